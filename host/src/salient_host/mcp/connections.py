"""Each conversation's own MCP connections, held open between its turns.

    connections = ConversationConnections(config, idle=300, max_open=64)
    async with connections.use(session_id, agent, account="acme") as held:  # held.tools: one per server
        ...                                                                  # run the turn over them
    await connections.aclose()

Conversations never share an MCP session or credentials: each gets toolsets built for it alone (`server_toolsets`),
so each has its own supervisors, sessions and, for stdio servers, processes, all for the conversation's account
(config/tenancy.py): a stdio process started for that account, an HTTP session with that account's credentials.
A conversation's connections are held under (account, session) and are never handed to another account.

Beside the agent's servers, a conversation holds the servers its e-mail summaries use (`held.servers`), so a summary
reads a booking and logs the note over the conversation's own connections instead of starting a server of its own. Held
open, a conversation's next turn skips connecting, listing tools and (stdio) starting the server again. A conversation's
connections close when it has been quiet for `idle` seconds, when more than `max_open` conversations are held (the least
recently used go first), or when the host closes. A server that fails in between is the supervisor's to reconnect
(supervision.py).

Only one turn of a conversation runs at a time (the engine's session lock), so one conversation's connections are
never used by two turns at once. They are entered in one task and may be closed from another; the MCP client
allows that (its session runs in a task of its own).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from salient_host.config.schema import AgentConfig, Config
from salient_host.mcp.status import Listener
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.mcp.toolsets import ServerToolset, account_supervisor, server_toolsets

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Held:
    """One conversation's connected servers, all for `account`: `tools` for its agent, `servers` every one held."""

    account: str
    agent: str
    tools: list[ServerToolset]
    servers: dict[str, SupervisedToolset]
    stack: AsyncExitStack
    in_use: bool = False
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


def summary_servers(config: Config, agent: AgentConfig) -> list[str]:
    """The configured servers the agent's e-mail summaries use (crm, scheduling) that it does not use itself."""
    summaries = agent.summaries
    if summaries is None or not summaries.enabled:
        return []
    wanted = (summaries.crm_server, summaries.scheduling_server)
    return [name for name in dict.fromkeys(wanted) if name in config.servers and name not in agent.servers]


class ConversationConnections:
    """See the module docstring."""

    def __init__(
        self,
        config: Config,
        *,
        idle: float = 300.0,
        max_open: int = 64,
        on_open: Callable[[Iterable[SupervisedToolset]], None] | None = None,
    ) -> None:
        """`idle`: seconds a quiet conversation's connections stay open (0: closed after every turn).

        `on_open`: called with the supervised servers of each conversation's new connections (an admin view's
        `StatusBoard.track`).
        """
        self.config = config
        self.idle = idle
        self.max_open = max_open
        self.on_open = on_open
        # Keyed by (account, session id), least recently used first.
        self._held: OrderedDict[tuple[str, str], Held] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._held)

    @asynccontextmanager
    async def use(
        self, session_id: str, agent: str, *, account: str, on_change: Listener | None = None
    ) -> AsyncGenerator[Held]:
        """The conversation's servers for agent `agent` of `account`, connected, for the length of one turn.

        `on_change` hears each server's state changes while new connections open (`up` or `down`, for progress).
        """
        key = (account, session_id)
        held = self._held.pop(key, None)
        if held is not None and (held.agent != agent or held.in_use):  # not expected: the engine prevents both
            self._close_later(held)
            held = None
        if held is None:
            held = await self._open(agent, account, on_change)
        elif held.timer is not None:
            held.timer.cancel()
        self._held[key] = held
        held.in_use = True
        try:
            yield held
        finally:
            held.in_use = False
            if self.idle > 0 and not self._closed and self._held.get(key) is held:
                held.timer = asyncio.get_running_loop().call_later(self.idle, self._expire, key, held)
            else:
                self._drop(key, held)
            self._evict()

    async def aclose(self) -> None:
        """Close every conversation's connections (a turn still running keeps its own until it ends)."""
        self._closed = True
        for key, held in list(self._held.items()):
            if not held.in_use:
                self._drop(key, held)
        while self._closing:
            await asyncio.gather(*list(self._closing), return_exceptions=True)

    async def _open(self, agent: str, account: str, on_change: Listener | None = None) -> Held:
        configured = self.config.agents[agent]
        tools = server_toolsets(self.config, configured, account=account)
        servers = {record.name: record.supervisor for record in tools}
        for name in summary_servers(self.config, configured):
            servers[name] = account_supervisor(self.config, account, name)
        unsubscribe = [server.subscribe(on_change) for server in servers.values()] if on_change else []

        entered: list[SupervisedToolset] = []

        async def enter(server: SupervisedToolset) -> None:
            await server.__aenter__()
            entered.append(server)

        try:
            async with AsyncExitStack() as stack:
                stack.push_async_callback(_exit_all, entered)
                # All at once, in and out: the slowest server bounds the wait, not the sum of them (a stdio server
                # can take seconds to stop). A supervised server that cannot be reached is marked down here
                # rather than raising (supervision.py).
                outcomes = await asyncio.gather(*(enter(s) for s in servers.values()), return_exceptions=True)
                for outcome in outcomes:
                    if isinstance(outcome, BaseException):
                        raise outcome
                held = Held(account, agent, tools, servers, stack.pop_all())
        finally:
            for stop in unsubscribe:
                stop()
        if self.on_open is not None:
            self.on_open(held.servers.values())
        return held

    def _expire(self, key: tuple[str, str], held: Held) -> None:
        if self._held.get(key) is held and not held.in_use:
            self._drop(key, held)

    def _evict(self) -> None:
        over = len(self._held) - self.max_open
        for key, held in list(self._held.items()):
            if over <= 0:
                break
            if not held.in_use:
                self._drop(key, held)
                over -= 1

    def _drop(self, key: tuple[str, str], held: Held) -> None:
        if self._held.get(key) is held:
            del self._held[key]
        self._close_later(held)

    def _close_later(self, held: Held) -> None:
        if held.timer is not None:
            held.timer.cancel()
        task = asyncio.create_task(self._close(held), name="close a conversation's MCP connections")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(held: Held) -> None:
        try:
            await held.stack.aclose()
        except Exception:  # a connection that died can fail its teardown; nothing is left to do about it
            log.debug("closing a conversation's MCP connections failed", exc_info=True)


async def _exit_all(servers: list[SupervisedToolset]) -> None:
    outcomes = await asyncio.gather(*(s.__aexit__(None, None, None) for s in servers), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, Exception):  # as in `_close`: a dead connection can fail its teardown
            log.debug("closing an MCP connection failed: %s", outcome)
