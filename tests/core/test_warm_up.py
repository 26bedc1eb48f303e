"""A server with a warm-up answers at once but reports ready on /healthz only when the warm-up has finished."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastmcp import Client
from salient_core.app import CORE_MIGRATIONS, ServerSpec, create_server, token_store
from salient_core.http import build_http_app
from salient_core.settings import ServerSettings
from support import serve_asgi


class Gate:
    """State whose warm-up waits until the test opens it (or fails, when told to)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.open = asyncio.Event()
        self.fail = fail

    async def warm_up(self, _settings: ServerSettings) -> None:
        await self.open.wait()
        if self.fail:
            raise RuntimeError("the index could not be built")


async def serve(url: str, gate: Gate) -> tuple[ServerSettings, object]:
    spec = ServerSpec("tiny", CORE_MIGRATIONS, open_state=lambda db, settings: gate, warm_up=lambda g, s: g.warm_up(s))
    settings = ServerSettings(db=url, http=True)
    mcp = create_server(spec, settings, instructions="A test server.")

    @mcp.tool
    async def ping() -> str:
        """Answer pong."""
        return "pong"

    return settings, mcp


@pytest.mark.parametrize("fail", [False, True])
async def test_healthz_says_starting_until_the_warm_up_ends(
    sqlite_url: str, fail: bool, caplog: pytest.LogCaptureFixture
) -> None:
    gate = Gate(fail=fail)
    settings, mcp = await serve(sqlite_url, gate)
    async with token_store(settings, "tiny") as store:
        plan = await build_http_app(mcp, settings, store)  # pyright: ignore[reportArgumentType]
        async with serve_asgi(plan.app) as base, httpx.AsyncClient(timeout=10) as http:
            starting = await http.get(f"{base}/healthz")
            assert starting.status_code == 503
            assert starting.json() == {"status": "starting", "server": "salient-tiny"}
            async with Client(f"{base}/mcp") as client:  # answered meanwhile
                assert [t.name for t in await client.list_tools()] == ["ping"]
            with caplog.at_level(logging.INFO, logger="salient_core.warm_up"):
                gate.open.set()
                for _ in range(200):
                    ready = await http.get(f"{base}/healthz")
                    if ready.status_code != 503:
                        break
                    await asyncio.sleep(0.02)
            assert ready.status_code == 200 and ready.json() == {"status": "ok", "server": "salient-tiny"}
            # A failed warm-up is logged; the server stays up and requests do the work themselves.
            assert ("warming up failed" in caplog.text) is fail
            assert ("warmed up in" in caplog.text) is not fail
