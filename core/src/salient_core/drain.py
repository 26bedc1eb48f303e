"""Stopping on SIGTERM without dropping a call: requests in flight finish, then open streams close.

uvicorn, on SIGTERM, stops accepting connections and waits for the open ones to finish (at most the server's
`shutdown_timeout`). Two things stand in the way of a clean drain:

- sse-starlette, which streams MCP responses, ends every stream the moment uvicorn is told to exit, a tool call's
  answer included: the caller gets a cut response. Its automatic drain is turned off while `serve_http` runs.
- A client's long-lived GET stream (server-to-client messages of a stateful session) never finishes by itself, so
  with that drain off uvicorn would wait out the whole timeout.

So `InFlight` counts the POST requests being answered (every MCP request is a POST), and `close_streams_when_drained`
waits for the count to reach zero once uvicorn is exiting, then lets sse-starlette close the streams still open.
"""

from __future__ import annotations

import asyncio
import time

import uvicorn
from sse_starlette.sse import AppStatus
from starlette.types import ASGIApp, Receive, Scope, Send

POLL = 0.05


class InFlight:
    """ASGI middleware: how many POST requests are being answered now."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        self.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.count -= 1


def hold_streams_on_exit() -> None:
    """Keep sse-starlette from ending streams when uvicorn is told to exit; `close_streams_when_drained` ends them."""
    AppStatus.disable_automatic_graceful_drain()


async def close_streams_when_drained(server: uvicorn.Server, requests: InFlight, *, within: float) -> None:
    """Once `server` is exiting, wait for the requests in flight (up to `within` s), then close the open streams."""
    while not server.should_exit:  # noqa: ASYNC110 - uvicorn sets a flag, it has no event to wait on
        await asyncio.sleep(POLL)
    deadline = time.monotonic() + within
    while requests.count and time.monotonic() < deadline:  # noqa: ASYNC110 - a counter, polled as above
        await asyncio.sleep(POLL)
    AppStatus.should_exit = True
