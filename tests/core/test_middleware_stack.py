"""Salient's middlewares run as one fastmcp layer, in the order given, each hook only through the layers defining it."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client, FastMCP
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from salient_core.middleware import Stacked


class Trace(Middleware):
    """Notes when each call and listing enters and leaves it."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        self.log.append(f"{self.name} call {context.message.name}")
        try:
            return await call_next(context)
        finally:
            self.log.append(f"{self.name} done")

    async def on_list_tools(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        self.log.append(f"{self.name} list")
        return await call_next(context)


class CallsOnly(Middleware):
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        self.log.append("calls-only")
        return await call_next(context)


class OnRequest(Middleware):
    async def on_request(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        return await call_next(context)


async def test_layers_run_in_order_and_only_for_the_hooks_they_define() -> None:
    log: list[str] = []
    mcp = FastMCP("stacked", middleware=[Stacked(Trace("outer", log), CallsOnly(log), Trace("inner", log))])

    @mcp.tool
    def echo(text: str) -> str:
        log.append("tool")
        return text

    async with Client(mcp) as client:
        assert [t.name for t in await client.list_tools()] == ["echo"]
        assert log == ["outer list", "inner list"]
        log.clear()
        assert (await client.call_tool("echo", {"text": "hi"})).data == "hi"
    assert log == ["outer call echo", "calls-only", "inner call echo", "tool", "inner done", "outer done"]


def test_a_layer_with_a_hook_the_stack_does_not_run_is_refused() -> None:
    with pytest.raises(TypeError, match="OnRequest overrides on_request: install it on its own"):
        Stacked(OnRequest())
