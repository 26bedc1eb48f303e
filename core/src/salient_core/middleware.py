"""MCP middleware every server installs: scope checks and error mapping."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastmcp.exceptions import ToolError, ValidationError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
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


class ErrorMapping(Middleware):
    """Turns domain errors into clear `ToolError`s and masks everything unexpected behind a correlation id."""

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        name = context.message.name
        try:
            return await call_next(context)
        except SalientError as exc:
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
