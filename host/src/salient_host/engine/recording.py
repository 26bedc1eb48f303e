"""A toolset wrapper that reports each tool call as it runs: ToolStarted, ToolFinished, and its row in memory.

The observer (the turn) stores the call before it is made and waits for that; its outcome follows after.

It sits between one server's tools and the approval gate (`ServerToolset.for_agent`), so it knows the server and
sees each call by the server's own tool name; a call the gate holds back never reaches it (the turn reports that
one as ApprovalRequested instead), so a held call never looks as if it ran.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic_ai import RunContext
from pydantic_ai.toolsets import ToolsetTool, WrapperToolset

STOPPED = "Stopped before it finished; it may or may not have taken effect."


class ToolObserver(Protocol):
    """What a turn does when a tool starts and finishes (see turn.py)."""

    async def tool_started(self, call_id: str, server: str, tool: str, args: dict[str, Any]) -> None:
        """Called before the call is made; the call waits for it (and is not made if it raises)."""
        ...

    def tool_finished(
        self,
        call_id: str,
        server: str,
        tool: str,
        args: dict[str, Any],
        duration_ms: float,
        error: str | None,
        result: Any = None,
    ) -> None: ...


@dataclass
class RecordingToolset(WrapperToolset[Any]):
    """Reports the calls to one server's tools (`server`; "" for the host's own tools) to `observer`."""

    server: str = ""
    observer: ToolObserver | None = None

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        observer = self.observer
        if observer is None:
            return await super().call_tool(name, tool_args, ctx, tool)
        call_id = ctx.tool_call_id or ""
        await observer.tool_started(call_id, self.server, name, tool_args)
        started = time.perf_counter()
        try:
            result = await super().call_tool(name, tool_args, ctx, tool)
        except asyncio.CancelledError:  # the turn was stopped or the host is closing: the call did not finish
            elapsed = (time.perf_counter() - started) * 1000
            observer.tool_finished(call_id, self.server, name, tool_args, elapsed, STOPPED)
            raise
        except Exception as exc:  # a tool error (ModelRetry) or a broken server: reported, then raised unchanged
            observer.tool_finished(
                call_id,
                self.server,
                name,
                tool_args,
                (time.perf_counter() - started) * 1000,
                str(exc) or type(exc).__name__,
            )
            raise
        duration_ms = (time.perf_counter() - started) * 1000
        observer.tool_finished(call_id, self.server, name, tool_args, duration_ms, None, result=result)
        return result
