"""A toolset wrapper that reports each tool call as it runs: ToolStarted, ToolFinished, and a row in memory.

It sits outside the approval gate, so it sees every call the model makes; a call the gate will hold back is passed
through untouched (the turn reports it as ApprovalRequested instead), so a held call never looks as if it ran.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic_ai import RunContext
from pydantic_ai.toolsets import AbstractToolset, ToolsetTool, WrapperToolset
from pydantic_ai.toolsets.approval_required import ApprovalRequiredToolset


class ToolObserver(Protocol):
    """What a turn does when a tool starts and finishes (see turn.py)."""

    def tool_started(self, call_id: str, name: str, args: dict[str, Any]) -> None: ...

    async def tool_finished(
        self, call_id: str, name: str, args: dict[str, Any], duration_ms: float, error: str | None, result: Any = None
    ) -> None: ...


def split_tool_name(name: str, servers: Iterable[str]) -> tuple[str, str]:
    """`catalog_search_products` -> (`catalog`, `search_products`), choosing the longest server name that fits."""
    fits = [s for s in servers if name.startswith(f"{s}_")]
    if not fits:
        return "", name
    server = max(fits, key=len)
    return server, name.removeprefix(f"{server}_")


def held_for_approval(toolset: AbstractToolset[Any], ctx: RunContext[Any], tool: ToolsetTool[Any], args: Any) -> bool:
    """Whether an approval gate inside `toolset` would hold this call back (asking it the same question it asks)."""
    if ctx.tool_call_approved:
        return False
    layer: Any = toolset
    while layer is not None:
        if isinstance(layer, ApprovalRequiredToolset) and layer.approval_required_func(ctx, tool.tool_def, args):
            return True
        layer = getattr(layer, "wrapped", None)
    return False


@dataclass
class RecordingToolset(WrapperToolset[Any]):
    observer: ToolObserver | None = None

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        observer = self.observer
        if observer is None or held_for_approval(self.wrapped, ctx, tool, tool_args):
            return await super().call_tool(name, tool_args, ctx, tool)
        call_id = ctx.tool_call_id or ""
        observer.tool_started(call_id, name, tool_args)
        started = time.perf_counter()
        try:
            result = await super().call_tool(name, tool_args, ctx, tool)
        except Exception as exc:  # a tool error (ModelRetry) or a broken server: reported, then raised unchanged
            await observer.tool_finished(
                call_id, name, tool_args, (time.perf_counter() - started) * 1000, str(exc) or type(exc).__name__
            )
            raise
        duration_ms = (time.perf_counter() - started) * 1000
        await observer.tool_finished(call_id, name, tool_args, duration_ms, None, result=result)
        return result
