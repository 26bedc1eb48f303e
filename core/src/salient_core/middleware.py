"""MCP middleware every server installs: scope checks, error mapping, tool schemas inlined once, all in one layer."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from fastmcp.exceptions import DisabledError, ToolError, ValidationError
from fastmcp.exceptions import NotFoundError as UnknownComponent
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.server.middleware.dereference import DereferenceRefsMiddleware
from fastmcp.tools import Tool, ToolResult
from fastmcp.utilities.json_schema import dereference_refs
from mcp import MCPError
from mcp import types as mt
from mcp_types import INVALID_PARAMS
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError as PydanticValidationError

from salient_core.auth import current_caller, scopes_for
from salient_core.errors import InvalidInput, NotFound, PermissionDenied, SalientError
from salient_core.settings import ServerSettings

log = logging.getLogger(__name__)

WRITE_TAG = "write"
# "Resource not found" in the handshake-era specs (2025-06-18, 2025-11-25); 2026-07-28 retired the code for
# invalid params (-32602) with the URI in `data` (SEP-2164).
RESOURCE_NOT_FOUND = -32002


def describe_validation_error(tool: str, error: PydanticValidationError) -> str:
    """One line per bad argument, with what was received and what is expected."""
    problems: list[str] = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        received = item.get("input")
        shown = repr(received) if len(repr(received)) <= 60 else repr(received)[:57] + "..."
        problems.append(f"{where}: {item['msg']} (got {shown})")
    return (
        f"Invalid arguments for {tool!r}: " + "; ".join(problems) + ". "
        "Fix these arguments to match the tool's input schema and call it again."
    )


class ScopeGuard(Middleware):
    """With a token, every tool needs `<server>:read`, and tools tagged `write` need `<server>:write`."""

    def __init__(self, server: str, settings: ServerSettings) -> None:
        self.server = server
        self.settings = settings
        self.read_scope, self.write_scope = scopes_for(server)
        self._needs: dict[str, str] = {}  # tool name -> scope; tags are fixed once a server runs

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        caller = current_caller(self.settings, self.server)
        name = context.message.name
        needed = self._needs.get(name)
        if needed is None:
            needed = self.read_scope
            if context.fastmcp_context is not None:
                tool = await context.fastmcp_context.fastmcp.get_tool(name)
                if tool is not None:
                    needed = self._needs[name] = self.write_scope if WRITE_TAG in tool.tags else self.read_scope
        if not caller.can(needed):
            have = ", ".join(sorted(caller.scopes)) or "none"
            raise PermissionDenied(
                f"Tool {name!r} needs the {needed!r} scope; this token has: {have}.",
                hint=f"Ask an operator for a token with {needed!r} "
                f"(salient-{self.server} tokens create --account {caller.account} --scopes {needed}).",
            )
        return await call_next(context)

    async def on_read_resource(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        caller = current_caller(self.settings, self.server)
        if not caller.can(self.read_scope):
            raise PermissionDenied(f"Reading resources needs the {self.read_scope!r} scope.")
        return await call_next(context)


def error_result(error: SalientError) -> ToolResult:
    """An error result with the text of `error` and its `details` in `_meta` (e.g. `retry_after_seconds`)."""
    return ToolResult(content=[mt.TextContent(type="text", text=str(error))], meta=error.details, is_error=True)


class ErrorMapping(Middleware):
    """Turns domain errors into clear `ToolError`s and masks everything unexpected behind a correlation id.

    A name the server does not know (tool, prompt, resource URI) is the client's mistake, not the server's: it gets
    the protocol's own error naming what exists, with no traceback in the log and no advice to retry. An error with
    `details` becomes an error result carrying them in `_meta` beside its text.
    """

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        name = context.message.name
        try:
            return await call_next(context)
        except SalientError as exc:
            if exc.details:
                return error_result(exc)
            raise ToolError(str(exc)) from exc
        except ValidationError as exc:
            if isinstance(exc.__cause__, PydanticValidationError):
                raise ToolError(describe_validation_error(name, exc.__cause__)) from exc
            raise ToolError(f"Invalid arguments for {name!r}: {exc}") from exc
        except ToolError as exc:
            cause = exc.__cause__
            if cause is None:  # raised on purpose by the tool itself
                raise
            if isinstance(cause, SalientError):
                if cause.details:
                    return error_result(cause)
                raise ToolError(str(cause)) from cause
            raise self._masked(name, cause) from cause
        except (UnknownComponent, DisabledError) as exc:
            names = [tool.name for tool in await _server(context).list_tools()]
            raise MCPError(
                INVALID_PARAMS, f"Unknown tool {name!r}. This server's tools: {_listed(names)}.", {"tool": name}
            ) from exc
        except Exception as exc:
            raise self._masked(name, exc) from exc

    async def on_get_prompt(
        self, context: MiddlewareContext[mt.GetPromptRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        name = context.message.name
        try:
            return await call_next(context)
        except (UnknownComponent, DisabledError) as exc:
            names = [prompt.name for prompt in await _server(context).list_prompts()]
            raise MCPError(
                INVALID_PARAMS, f"Unknown prompt {name!r}. This server's prompts: {_listed(names)}.", {"prompt": name}
            ) from exc
        except InvalidInput as exc:
            raise MCPError(INVALID_PARAMS, f"Invalid arguments for prompt {name!r}: {exc}", {"prompt": name}) from exc

    async def on_read_resource(
        self, context: MiddlewareContext[mt.ReadResourceRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        uri = str(context.message.uri)
        try:
            return await call_next(context)
        except (NotFound, UnknownComponent, DisabledError) as exc:
            # A record missing from the caller's account (or in another account) reads like a URI nothing serves.
            detail = f" {exc}" if isinstance(exc, NotFound) else " Call resources/list or resources/templates/list."
            raise MCPError(_not_found_code(context), f"Resource not found: {uri!r}.{detail}", {"uri": uri}) from exc
        except InvalidInput as exc:
            raise MCPError(INVALID_PARAMS, str(exc), {"uri": uri}) from exc

    @staticmethod
    def _masked(tool: str, exc: BaseException) -> ToolError:
        correlation_id = uuid.uuid4().hex[:12]
        log.error(
            "unexpected error in tool %r [correlation_id=%s]",
            tool,
            correlation_id,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"correlation_id": correlation_id, "tool": tool},
        )
        return ToolError(
            f"Internal error in {tool!r} (correlation id {correlation_id}). Nothing was changed. "
            "Retry once; if it fails again, report this correlation id to the operator."
        )


def _server(context: MiddlewareContext[Any]) -> Any:
    assert context.fastmcp_context is not None  # set for every request a client sends
    return context.fastmcp_context.fastmcp


def _listed(names: list[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def _not_found_code(context: MiddlewareContext[Any]) -> int:
    request = context.fastmcp_context.request_context if context.fastmcp_context is not None else None
    if request is not None and request.protocol_version in MODERN_PROTOCOL_VERSIONS:
        return INVALID_PARAMS
    return RESOURCE_NOT_FOUND


def inlined(tool: Tool) -> Tool:
    """The tool with the `$ref`s of its argument and output schemas inlined (some clients cannot follow them).

    The argument schema also says that no other arguments are taken (`additionalProperties: false`), as the tool
    refuses them: a misspelt `dryrun` must not look valid to a client.
    """
    updates = {
        key: dereference_refs(schema)
        for key, schema in (("parameters", tool.parameters), ("output_schema", tool.output_schema))
        if schema is not None
    }
    arguments = updates.get("parameters", {})
    updates["parameters"] = {**arguments, "additionalProperties": arguments.get("additionalProperties", False)}
    return tool.model_copy(update=updates)


class InlineSchemas(DereferenceRefsMiddleware):
    """fastmcp's `dereference_schemas`, done once per tool instead of on every `tools/list`.

    Inlining the catalog's seven schemas took 13 ms per listing, paid by every new client session. A running
    server's tools are fixed objects, so each one's inlined copy is kept, keyed by the tool object itself (held, so
    its id cannot be reused). Install it instead of the default: `FastMCP(dereference_schemas=False)`.
    """

    def __init__(self, max_tools: int = 1024) -> None:
        self.max_tools = max_tools
        self._inlined: dict[int, tuple[Tool, Tool]] = {}

    async def on_list_tools(
        self, context: MiddlewareContext[mt.ListToolsRequest], call_next: CallNext[mt.ListToolsRequest, Sequence[Tool]]
    ) -> Sequence[Tool]:
        return [self._inline(tool) for tool in await call_next(context)]

    def _inline(self, tool: Tool) -> Tool:
        known = self._inlined.get(id(tool))
        if known is not None and known[0] is tool:
            return known[1]
        if len(self._inlined) >= self.max_tools:  # tools made per request (none of ours) would otherwise pile up
            self._inlined.clear()
        copy = inlined(tool)
        self._inlined[id(tool)] = (tool, copy)
        return copy


# The hooks `Stacked` runs its layers through; a layer overriding any other hook of fastmcp's is refused.
STACKED_HOOKS = (
    "on_call_tool",
    "on_read_resource",
    "on_get_prompt",
    "on_list_tools",
    "on_list_resources",
    "on_list_resource_templates",
    "on_list_prompts",
)
UNSTACKED_HOOKS = ("__call__", "on_message", "on_request", "on_notification", "on_initialize", "on_discover")


def _overrides(layer: Middleware, hook: str) -> bool:
    return getattr(type(layer), hook) is not getattr(Middleware, hook)


class Stacked(Middleware):
    """Middlewares run as one fastmcp layer: each hook goes through the layers that define it, first to last.

    fastmcp passes every message through each installed middleware's own dispatch (a chain of wrappers for every
    layer, whatever hooks it defines): with seven layers that cost about 0.1 ms of CPU per layer on every tool call.
    Stacked, a `tools/call` goes straight from one layer's `on_call_tool` to the next that has one. Layers may define
    only the hooks in `STACKED_HOOKS` (and `check_resource_access`), so none is skipped without notice.
    """

    def __init__(self, *layers: Middleware) -> None:
        for layer in layers:
            unstacked = [hook for hook in UNSTACKED_HOOKS if _overrides(layer, hook)]
            if unstacked:
                raise TypeError(f"{type(layer).__name__} overrides {', '.join(unstacked)}: install it on its own")
        self.layers = layers
        self._chains: dict[str, list[Callable[..., Awaitable[Any]]]] = {
            hook: [getattr(layer, hook) for layer in layers if _overrides(layer, hook)] for hook in STACKED_HOOKS
        }

    async def _through(self, hook: str, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        chain = call_next
        for handler in reversed(self._chains[hook]):
            chain = partial(handler, call_next=chain)
        return await chain(context)

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_call_tool", context, call_next)

    async def on_read_resource(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_read_resource", context, call_next)

    async def on_get_prompt(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_get_prompt", context, call_next)

    async def on_list_tools(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_list_tools", context, call_next)

    async def on_list_resources(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_list_resources", context, call_next)

    async def on_list_resource_templates(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_list_resource_templates", context, call_next)

    async def on_list_prompts(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await self._through("on_list_prompts", context, call_next)

    async def check_resource_access(self, context: MiddlewareContext[mt.ReadResourceRequestParams]) -> None:
        for layer in self.layers:
            await layer.check_resource_access(context)
