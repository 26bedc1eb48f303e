"""What the host knows of each server's state, for people: status, changes worth a notice, an admin view's board.

A supervisor (supervision.py) passes every change of state to its subscribers as a `StatusChange`; `watch()`
collects the changes of several servers over a block (a turn), and `StatusBoard` keeps the latest status of each
server across supervisors that come and go.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, Protocol

State = Literal["idle", "up", "restarting", "down"]


@dataclass(frozen=True)
class ServerStatus:
    server: str
    state: State
    restarts: int  # reconnections after a failure, since the supervisor was made
    last_error: str | None  # the latest failure, for operators (may name hosts and paths; not for the model)
    since: datetime  # when `state` was entered (UTC)
    tools: int | None = None  # how many tools the server offered when they were last listed
    account: str | None = None  # whose connection this is (config/tenancy.py); None for one made for no account


@dataclass(frozen=True)
class StatusChange:
    previous: State
    status: ServerStatus

    @property
    def server(self) -> str:
        return self.status.server

    @property
    def level(self) -> Literal["info", "warning"]:
        return "warning" if self.status.state == "down" else "info"

    @property
    def text(self) -> str | None:
        """What to tell the user about this change, or None when it is not worth a notice."""
        name, state = self.status.server, self.status.state
        if state == "down" and self.previous != "down":
            return f"The {name} server is unavailable right now; its tools are withdrawn."
        if state == "up" and self.previous == "down":
            return f"The {name} server is back; its tools are available again."
        if state == "up" and self.previous == "restarting":
            return f"The {name} server stopped answering and was reconnected."
        return None


Listener = Callable[[StatusChange], None]


class Watched(Protocol):
    """A server whose changes can be heard (a `SupervisedToolset`)."""

    @property
    def status(self) -> ServerStatus: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...


class StatusBoard:
    """The latest known status of each server, across supervisors that come and go (one per turn, say).

    For an admin view: `track` each new supervisor; `statuses()` keeps what was last seen while no run holds a
    server (an `idle` supervisor says nothing new about the server itself). Each account's connection to a server is
    its own (one account's revoked token takes down only its own), so the board keeps one entry per (account, server).
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[str | None, str], ServerStatus] = {}

    def track(self, servers: Iterable[Watched]) -> None:
        for server in servers:
            self._record(server.status)
            server.subscribe(lambda change: self._record(change.status))

    def statuses(self, account: str | None = None) -> dict[str, ServerStatus]:
        """By server name: `account`'s connections, or with None the latest seen of any account's."""
        latest: dict[str, ServerStatus] = {}
        for (owner, name), status in self._latest.items():
            if account is not None and owner != account:
                continue
            known = latest.get(name)
            if known is None or status.since >= known.since:
                latest[name] = status
        return latest

    def by_account(self) -> dict[tuple[str | None, str], ServerStatus]:
        """Every (account, server) seen, with its latest status."""
        return dict(self._latest)

    def _record(self, status: ServerStatus) -> None:
        key = (status.account, status.server)
        known = self._latest.get(key)
        if status.state != "idle" or known is None:
            self._latest[key] = status
        elif status.tools is not None:  # an idle supervisor still knows how many tools there were
            self._latest[key] = replace(known, tools=status.tools)


@dataclass
class Watch:
    """Status changes seen while a `watch()` block ran, in order."""

    changes: list[StatusChange] = field(default_factory=list[StatusChange])

    @property
    def withdrawn(self) -> list[str]:
        """Servers that went down during the block (and may still be down)."""
        return [c.server for c in self.changes if c.status.state == "down" and c.previous != "down"]


@contextmanager
def watch(servers: Iterable[Watched], listener: Listener | None = None) -> Generator[Watch]:
    """Collect the status changes of `servers` while the block runs, passing each to `listener` as it happens."""
    seen = Watch()

    def record(change: StatusChange) -> None:
        seen.changes.append(change)
        if listener is not None:
            listener(change)

    unsubscribes = [server.subscribe(record) for server in servers]
    try:
        yield seen
    finally:
        for unsubscribe in unsubscribes:
            unsubscribe()
