"""Crossfeed over real stdio (as Claude Desktop runs it, with the demo slice) and real streamable HTTP with tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from crossfeed_support import settings
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ToolError
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_crossfeed.server import build_server
from support import console_script, serve_asgi

CROSSFEED = console_script("salient-crossfeed")


async def test_demo_over_stdio_in_both_protocol_eras(tmp_path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    for mode in ("auto", "legacy"):
        transport = StdioTransport(
            command=CROSSFEED, args=["--db", db, "--demo", "--log-level", "WARNING"], keep_alive=False
        )
        async with Client(transport, mode=mode) as client:  # pyright: ignore[reportArgumentType]
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            tools = {t.name for t in await client.list_tools()}
            assert tools == {
                "recommend_cross_sell",
                "recommend_upsell",
                "list_competitors",
                "get_battlecard",
                "compare_vs_competitor",
                "find_territory",
                "find_rep",
                "explain_recommendation",
            }
            result = (
                await client.call_tool("recommend_cross_sell", {"product_ids": ["BW-GM-CORE"]})
            ).structured_content
            assert result is not None
            first = result["items"][0]
            assert first["product"]["id"] == "blood-glucose-test-strips"
            assert {e["kind"] for e in first["evidence"]} == {"curated", "mined"}
            mined = next(e for e in first["evidence"] if e["kind"] == "mined")
            assert mined["orders"] == 560 and mined["lift"] > 5
            rep = (await client.call_tool("find_rep", {"country": "US", "region": "TX"})).structured_content
            assert rep is not None and rep["rep"]["email"] == "daniel.okafor@brightwell.example"


@dataclass
class Running:
    url: str
    read_token: str
    write_token: str


@pytest.fixture
async def running(store_url: str) -> AsyncIterator[Running]:
    config = settings(store_url, http=True)
    async with token_store(config, "crossfeed") as store:
        _, read = await store.create(account="demo", scopes=["crossfeed:read"], name="reader")
        _, write = await store.create(account="demo", scopes=["crossfeed:read", "crossfeed:write"], name="agent")
        plan = await build_http_app(build_server(config), config, store)
        assert plan.auth_mode == "tokens"
        async with serve_asgi(plan.app) as base:
            yield Running(f"{base}/mcp", read, write)


async def test_http_reads_with_a_read_token_and_find_rep_needs_write(running: Running) -> None:
    async with Client(running.url, auth=running.read_token) as reader:
        result = (await reader.call_tool("recommend_cross_sell", {"product_ids": ["chair"]})).structured_content
        assert result is not None and [i["product"]["id"] for i in result["items"]] == ["cushion", "bag"]
        with pytest.raises(ToolError) as caught:
            await reader.call_tool("find_rep", {"territory": "west"})
        assert "needs the 'crossfeed:write' scope; this token has: crossfeed:read" in str(caught.value)
    async with Client(running.url, auth=running.write_token) as agent:
        pick = (await agent.call_tool("find_rep", {"territory": "west"})).structured_content
        # The refused call took no turn: the first rep is still first.
        assert pick is not None and pick["rep"]["id"] == "ann"
