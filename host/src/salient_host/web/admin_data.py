"""What the admin view reads. The conversation store satisfies `AdminData`; the server supervisor `StatusSource`.

They are separate because different parts of the host own them: sessions and usage live in the memory store, the
state of the MCP servers in their supervisor. The web app only reads through these methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from salient_host.engine.events import SessionInfo, ShownMessage


@dataclass(frozen=True, kw_only=True)
class SessionSummary:
    session: SessionInfo
    messages: int
    tool_calls: int
    last_activity: datetime | None
    cost_usd: float | None  # None when some request's price was unknown


@dataclass(frozen=True, kw_only=True)
class SessionPage:
    items: list[SessionSummary]
    total: int  # sessions matching the filters
    next_cursor: str | None = None  # older sessions
    previous_cursor: str | None = None  # newer sessions ("" for the first page)
    start: int = 0  # the position of the first item among all matching, from 0


@dataclass(frozen=True, kw_only=True)
class SessionDetail:
    session: SessionInfo
    messages: list[ShownMessage]  # each with its tool calls (server, tool, redacted args, duration, outcome)
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


@dataclass(frozen=True, kw_only=True)
class UsageRow:
    account: str
    agent: str
    sessions: int
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


@dataclass(frozen=True, kw_only=True)
class ServerState:
    name: str
    transport: Literal["stdio", "http"]
    state: Literal["up", "starting", "restarting", "down"]
    tools: int | None  # None until the server has listed its tools
    detail: str | None = None  # the last error, or how long until the next restart


class AdminData(Protocol):
    async def list_sessions(
        self,
        *,
        account: str | None = None,
        agent: str | None = None,
        search: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> SessionPage:
        """Newest sessions first, across accounts unless `account` is given; `search` matches the session's id, its
        title or what a person wrote in it (case-insensitive)."""
        ...

    async def session_detail(self, session_id: str) -> SessionDetail | None:
        """One session of any account (operators see all), or None when there is none."""
        ...

    async def usage(self, *, since: datetime | None = None) -> list[UsageRow]:
        """Requests, tokens and cost per account and agent, since `since` (all time when None)."""
        ...


class StatusSource(Protocol):
    async def server_status(self) -> list[ServerState]:
        """Each configured MCP server as its supervisor sees it now."""
        ...
