"""`BoardStatus`: the admin view's server states (`StatusSource`), read from the engine's `supervision.StatusBoard`.

The board only knows a server once a conversation has used it, and it keeps the last state a run saw (a server no run
holds is `idle`, which says nothing about the server itself). A server the board does not know yet, or whose tools it
has not counted, is probed (mcp/probe.py, through a supervisor like every request): connected to and asked for its
tools (at most `PROBE_TIMEOUT_S`, all in parallel), and the answer kept for `PROBE_TTL_S`. So the first look at the
page shows each server's real state, never a guess.
A probe connects as one account that uses the server (`tenancy.checking_account`): its process, its credentials.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from salient_host.config.schema import Config, ServerConfig
from salient_host.config.tenancy import account_server, checking_account
from salient_host.mcp.failures import describe
from salient_host.mcp.probe import probe_tools
from salient_host.mcp.supervision import ServerDown
from salient_host.web.admin_data import ServerState

if TYPE_CHECKING:
    from salient_host.mcp.status import ServerStatus, StatusBoard

PROBE_TIMEOUT_S = 5.0
PROBE_TTL_S = 30.0


@dataclass(frozen=True)
class Probed:
    state: Literal["up", "down"]
    tools: int | None
    error: str | None
    at: float  # time.monotonic()


class BoardStatus:
    """A `StatusSource` over `board` that lists each of the configuration's servers, in their order."""

    def __init__(self, board: StatusBoard, config: Config) -> None:
        self.board = board
        self.config = config
        self.servers = config.servers
        self._probed: dict[str, Probed] = {}

    async def server_status(self) -> list[ServerState]:
        seen = self.board.statuses()
        unknown = [name for name in self.servers if _unknown(seen.get(name))]
        await self._probe([name for name in unknown if not self._fresh(name)])
        return [_state(name, server, seen.get(name), self._probed.get(name)) for name, server in self.servers.items()]

    def _fresh(self, name: str) -> bool:
        probed = self._probed.get(name)
        return probed is not None and time.monotonic() - probed.at < PROBE_TTL_S

    async def _probe(self, names: list[str]) -> None:
        results = await asyncio.gather(*(self._probe_one(name) for name in names))
        self._probed.update(zip(names, results, strict=True))

    async def _probe_one(self, name: str) -> Probed:
        server = self.servers[name]
        as_account = account_server(self.config, checking_account(self.config, name), name)
        try:
            async with asyncio.timeout(min(PROBE_TIMEOUT_S, server.init_timeout)):
                tools = len(await probe_tools(name, as_account, self.config.base_dir))
        except TimeoutError:
            return Probed("down", None, f"no answer within {PROBE_TIMEOUT_S:g} s", time.monotonic())
        except ServerDown as exc:  # the supervisor's reading of why it could not be reached
            return Probed("down", None, str(exc)[:300], time.monotonic())
        except Exception as exc:  # whatever else keeps a server from listing its tools means it is down for us
            return Probed("down", None, describe(exc)[:300], time.monotonic())
        return Probed("up", tools, None, time.monotonic())


def _unknown(status: ServerStatus | None) -> bool:
    return status is None or status.state == "idle" or status.tools is None


def _state(name: str, server: ServerConfig, status: ServerStatus | None, probed: Probed | None) -> ServerState:
    transport = "http" if server.url else "stdio"
    if status is not None and status.state != "idle":
        return ServerState(
            name=name, transport=transport, state=status.state, tools=_tools(status, probed), detail=_detail(status)
        )
    if probed is None:  # not reached: every unknown server is probed first
        return ServerState(name=name, transport=transport, state="down", tools=None, detail="not checked yet")
    detail = probed.error or "checked just now; no conversation uses it at the moment"
    return ServerState(name=name, transport=transport, state=probed.state, tools=_tools(status, probed), detail=detail)


def _tools(status: ServerStatus | None, probed: Probed | None) -> int | None:
    if status is not None and status.tools is not None:
        return status.tools
    return probed.tools if probed is not None and probed.state == "up" else None


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
