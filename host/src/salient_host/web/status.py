"""`BoardStatus`: the admin view's server states (`StatusSource`), read from the engine's `supervision.StatusBoard`.

The board only knows a server once a conversation has used it, and it keeps the last state a run saw (a server no run
holds is `idle`, which says nothing about the server itself). So every configured server is listed: one no run has
connected to yet is `starting` with a detail saying so; one whose last run found it up stays `up` between runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from salient_host.config import ServerConfig
from salient_host.web.admin_data import ServerState

if TYPE_CHECKING:
    from salient_host.supervision import ServerStatus, StatusBoard

NOT_CONNECTED = "not connected yet: the first conversation that uses it connects"


class BoardStatus:
    """A `StatusSource` over `board` that lists each of `servers` (the configuration's), in their order."""

    def __init__(self, board: StatusBoard, servers: Mapping[str, ServerConfig]) -> None:
        self.board = board
        self.servers = servers

    async def server_status(self) -> list[ServerState]:
        seen = self.board.statuses()
        return [_state(name, server, seen.get(name)) for name, server in self.servers.items()]


def _state(name: str, server: ServerConfig, status: ServerStatus | None) -> ServerState:
    transport = "http" if server.url else "stdio"
    if status is None or status.state == "idle":
        tools = status.tools if status is not None and status.tools is not None else 0
        return ServerState(name=name, transport=transport, state="starting", tools=tools, detail=NOT_CONNECTED)
    detail = _detail(status)
    return ServerState(name=name, transport=transport, state=status.state, tools=status.tools or 0, detail=detail)


def _detail(status: ServerStatus) -> str | None:
    parts = []
    if status.state != "up" and status.last_error:
        parts.append(status.last_error)
    if status.restarts:
        parts.append(f"{status.restarts} restart{'' if status.restarts == 1 else 's'}")
    seconds = int((datetime.now(UTC) - status.since).total_seconds())
    parts.append(f"{status.state} for {_duration(seconds)}")
    return "; ".join(parts)


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
