"""The scheduling server over a real stdio subprocess and over real streamable HTTP with tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ToolError
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_scheduling.server import build_server
from scheduling_support import all_bookings, attendee, call, settings_for
from support import console_script, serve_asgi

SCHEDULING = console_script("salient-scheduling")


async def test_stdio_subprocess_with_demo(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'stdio.db'}"
    transport = StdioTransport(
        command=SCHEDULING,
        args=["--db", url, "--demo", "--log-level", "WARNING"],
        env={"SALIENT_SCHEDULING_NOW": "2027-03-31T16:00:00Z", "XDG_DATA_HOME": str(tmp_path)},
        keep_alive=False,
    )
    async with Client(transport) as client:
        now = await call(client, "get_current_time", time_zone="America/Denver")
        assert now["now"] == "2027-03-31T10:00:00-06:00"
        found = await call(
            client,
            "find_availability",
            meeting_type="discovery-call",
            team="sales-intl",
            window_start="2027-04-05T00:00:00Z",
            window_end="2027-04-06T00:00:00Z",
            time_zone="America/New_York",
            max_slots=3,
        )
        assert len(found["slots"]) == 3 and found["slots"][0]["start_local"].endswith("-04:00")
        slot = found["slots"][0]
        made = await call(
            client,
            "book_meeting",
            meeting_type="discovery-call",
            rep=slot["rep"],
            start=slot["start"],
            attendee=attendee("America/New_York"),
            idempotency_key="stdio-book-1",
        )
        assert made["booking"]["start"] == slot["start"] and made["applied"] is True


@dataclass
class Running:
    url: str
    read_token: str
    write_token: str


@pytest.fixture
async def running(scheduling_url: str) -> AsyncIterator[Running]:
    settings = settings_for(scheduling_url, http=True)
    async with token_store(settings, "scheduling") as store:
        _, read = await store.create(account="demo", scopes=["scheduling:read"], name="reader")
        _, write = await store.create(account="demo", scopes=["scheduling:read", "scheduling:write"], name="agent")
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "tokens"
        async with serve_asgi(plan.app) as base:
            yield Running(f"{base}/mcp", read, write)


async def test_http_read_token_cannot_book_but_write_token_can(running: Running) -> None:
    args = {
        "meeting_type": "product-demo",
        "rep": "priya-raman",
        "start": "2027-04-06T19:00:00Z",
        "attendee": attendee(),
        "idempotency_key": "http-book-1",
    }
    async with Client(running.url, auth=running.read_token) as reader:
        before = await all_bookings(reader)
        with pytest.raises(ToolError) as caught:
            await reader.call_tool("book_meeting", args)
        assert "needs the 'scheduling:write' scope; this token has: scheduling:read" in str(caught.value)
        assert await all_bookings(reader) == before
    async with Client(running.url, auth=running.write_token, mode="legacy") as agent:  # pyright: ignore[reportArgumentType]
        made = await call(agent, "book_meeting", **args)
        assert made["booking"]["rep"]["id"] == "priya-raman"
        assert len(await all_bookings(agent)) == len(before) + 1
