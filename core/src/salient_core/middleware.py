"""MCP middleware every server installs: scope checks, error mapping, and tool schemas inlined once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from fastmcp.exceptions import ToolError, ValidationError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.server.middleware.dereference import DereferenceRefsMiddleware
from fastmcp.tools import Tool, ToolResult
from fastmcp.utilities.json_schema import dereference_refs
from mcp import types as mt
from pydantic import ValidationError as PydanticValidationError

from salient_core.auth import current_caller, scopes_for
from salient_core.errors import PermissionDenied, SalientError
from salient_core.settings import ServerSettings

log = logging.getLogger(__name__)

WRITE_TAG = "write"


def describe_validation_error(tool: str, error: PydanticValidationError) -> str:
    """One line per bad argument, with what was received and what is expected."""
    problems = []
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

    An error with `details` becomes an error result carrying them in `_meta` beside its text.
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
        except Exception as exc:
            raise self._masked(name, exc) from exc

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


def inlined(tool: Tool) -> Tool:
    """The tool with the `$ref`s of its argument and output schemas inlined (some clients cannot follow them)."""
    updates = {
        key: dereference_refs(schema)
        for key, schema in (("parameters", tool.parameters), ("output_schema", tool.output_schema))
        if schema is not None
    }
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
