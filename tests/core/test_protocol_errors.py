"""Unknown names and bad list cursors get the protocol's own errors, on every server and in both protocol eras.

An unknown tool or prompt and a cursor the server never issued are invalid params (-32602); a resource that is
missing, or belongs to another account, is "resource not found" (-32002 in the handshake era, -32602 with the
URI in `data` in the 2026-07-28 era, which retired -32002). None of them is an internal error, a traceback in the
log, or advice to retry.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastmcp import Client, FastMCP
from mcp import MCPError
from salient_catalog.server import create as create_catalog
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_crm.server import create as create_crm
from salient_crossfeed.server import create as create_crossfeed
from salient_library.server import create as create_library
from salient_scheduling.server import build_server as build_scheduling
from scheduling_support import attendee, call, seed, settings_for
from support import serve_asgi

ERAS = {"auto": "2026-07-28", "legacy": "2025-11-25"}
INVALID_PARAMS = -32602
RESOURCE_NOT_FOUND = {"2025-11-25": -32002, "2026-07-28": INVALID_PARAMS}

SERVERS: dict[str, Callable[..., FastMCP]] = {
    "catalog": create_catalog,
    "crm": create_crm,
    "scheduling": lambda db: build_scheduling(settings_for(db)),
    "library": create_library,
    "crossfeed": create_crossfeed,
}


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Warnings and errors logged: a client's unknown name is no server fault."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("mode", list(ERAS))
@pytest.mark.parametrize("server", list(SERVERS))
async def test_unknown_tool_and_list_cursor_on_every_server(
    server: str, mode: str, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    async with Client(SERVERS[server](db=url), mode=mode) as client:  # pyright: ignore[reportArgumentType]
        assert client.protocol_version == ERAS[mode]
        tools = sorted(t.name for t in await client.list_tools())
        with caplog.at_level(logging.INFO):
            with pytest.raises(MCPError) as unknown:
                await client.call_tool_mcp("no_such_tool", {})
            with pytest.raises(MCPError) as garbage:
                await client.list_tools_mcp(cursor="garbage")
        assert unknown.value.error.code == INVALID_PARAMS
        message = unknown.value.error.message
        assert message.startswith("Unknown tool 'no_such_tool'.") and ", ".join(tools) in message
        assert "Internal error" not in message and "Retry" not in message
        assert garbage.value.error.code == INVALID_PARAMS and "cursor" in garbage.value.error.message.lower()
        assert no_tracebacks(caplog) == []


@dataclass
class Running:
    url: str
    demo_token: str
    other_token: str
    booking: str


@pytest.fixture
async def running(sqlite_url: str) -> AsyncIterator[Running]:
    await seed(sqlite_url)
    settings = settings_for(sqlite_url, http=True)
    async with token_store(settings, "scheduling") as store:
        _, demo = await store.create(account="demo", scopes=["scheduling:read", "scheduling:write"], name="agent")
        _, other = await store.create(account="other", scopes=["scheduling:read"], name="other company")
        plan = await build_http_app(build_scheduling(settings), settings, store)
        async with serve_asgi(plan.app) as base:
            async with Client(f"{base}/mcp", auth=demo) as client:
                made = await call(
                    client,
                    "book_meeting",
                    meeting_type="product-demo",
                    rep="daniel-okafor",
                    start="2027-04-06T16:00:00Z",
                    attendee=attendee(),
                    idempotency_key="protocol-errors-1",
                )
            yield Running(f"{base}/mcp", demo, other, made["booking"]["id"])


async def protocol_error(request: Any) -> MCPError:
    with pytest.raises(MCPError) as caught:
        await request
    return caught.value


@pytest.mark.parametrize("mode", list(ERAS))
async def test_over_http_unknown_names_and_cursors_get_protocol_errors(
    running: Running, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with Client(running.url, auth=running.demo_token, mode=mode) as client:  # pyright: ignore[reportArgumentType]
        era = client.protocol_version
        assert era == ERAS[mode]
        invite = f"scheduling://bookings/{running.booking}.ics"
        assert "BEGIN:VCALENDAR" in (await client.read_resource(invite))[0].text  # pyright: ignore[reportAttributeAccessIssue]
        with caplog.at_level(logging.INFO):
            tool = await protocol_error(client.call_tool_mcp("no_such_tool", {}))
            prompt = await protocol_error(client.get_prompt_mcp("no_such_prompt", {}))
            zone = await protocol_error(
                client.get_prompt_mcp("book_a_meeting", {"topic": "x", "time_zone": "Mars/Base"})
            )
            cursors = [
                await protocol_error(listing(cursor="garbage"))
                for listing in (
                    client.list_tools_mcp,
                    client.list_resources_mcp,
                    client.list_resource_templates_mcp,
                    client.list_prompts_mcp,
                )
            ]
            missing = await protocol_error(client.read_resource_mcp("scheduling://bookings/bk_missing.ics"))
            nowhere = await protocol_error(client.read_resource_mcp("scheduling://nothing/here"))
        assert tool.error.code == INVALID_PARAMS and "Unknown tool 'no_such_tool'. This server's tools:" in str(tool)
        assert prompt.error.code == INVALID_PARAMS and "Unknown prompt 'no_such_prompt'" in prompt.error.message
        assert "book_a_meeting" in prompt.error.message
        assert zone.error.code == INVALID_PARAMS
        assert zone.error.message.startswith(
            "Invalid arguments for prompt 'book_a_meeting': Unknown time zone 'Mars/Base'"
        )
        assert [c.error.code for c in cursors] == [INVALID_PARAMS] * 4
        assert missing.error.code == RESOURCE_NOT_FOUND[era]
        assert missing.error.message.startswith("Resource not found: 'scheduling://bookings/bk_missing.ics'.")
        assert "No booking 'bk_missing' in this account" in missing.error.message
        assert missing.error.data == {"uri": "scheduling://bookings/bk_missing.ics"}
        assert nowhere.error.code == RESOURCE_NOT_FOUND[era]
        assert nowhere.error.data == {"uri": "scheduling://nothing/here"}
        assert no_tracebacks(caplog) == []
    # Another account's booking is missing for that account, with the same error.
    async with Client(running.url, auth=running.other_token, mode=mode) as other:  # pyright: ignore[reportArgumentType]
        theirs = await protocol_error(other.read_resource_mcp(invite))
        assert theirs.error.code == RESOURCE_NOT_FOUND[era]
        assert f"No booking '{running.booking}' in this account" in theirs.error.message
