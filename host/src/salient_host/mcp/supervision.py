"""Supervised MCP servers: restart what crashed, reconnect to what restarted, withdraw what stays down.

A `SupervisedToolset` wraps one server's `MCPToolset` and keeps a conversation going when the server does not:

- a call that finds the connection broken (a crashed stdio process, an HTTP server that restarted and lost the
  session, a refused connection) reconnects, which for stdio starts a new process, with exponential backoff and
  a bounded number of restarts per time window. A stdio server whose process died while its connection was held
  between turns is restarted at the start of the next run step, before any call is sent to it;
- after reconnecting, the call is made again only when that cannot do something twice: the tool is read-only, or
  the request provably never reached the server (refused connection, unknown session). Otherwise the model is told
  the call may or may not have happened and should check first;
- a server that cannot be reached is **down**: its tools are withdrawn from `get_tools`, `get_instructions` tells
  the model so, and each later run step probes it again (with backoff) until it answers and its tools come back.
  Failing to connect at the start of a run degrades the same way instead of raising.

States (`ServerStatus.state`): `idle` (not connected: no run holds it), `up`, `restarting` (reconnecting after a
failure; calls wait), `down`. Every change is passed to the callbacks given to `SupervisedToolset.subscribe`, and
`watch()` collects the changes of several servers over a block (a turn), for the caller to show as notices;
`StatusBoard` keeps the latest status of each server for an admin view.

One supervisor per `MCPToolset`: `supervise()` returns the same supervisor for the same toolset, so agents that share
a server also share its restarts and status. The supervisor owns the toolset's connection: enter the supervised
toolset (or the agent), never the `MCPToolset` itself, or a restart cannot close the old connection.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Self

from mcp import MCPError
from mcp_types import CONNECTION_CLOSED, INVALID_REQUEST
from pydantic_ai import RunContext, ToolDefinition
from pydantic_ai.exceptions import ModelRetry, ToolFailed
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import InstructionPart
from pydantic_ai.toolsets import AbstractToolset, ToolsetTool, WrapperToolset

from salient_host.mcp.client import connection_ended

logger = logging.getLogger(__name__)

State = Literal["idle", "up", "restarting", "down"]
# Whether a failed request may have reached the server: only one that provably did not can be sent again blindly.
Delivery = Literal["not_delivered", "uncertain"]


@dataclass(frozen=True)
class SupervisionPolicy:
    """How hard to try. Times in seconds."""

    restart_attempts: int = 3  # reconnections tried after one failure before the server is declared down
    restart_backoff: float = 0.5  # wait before the second attempt; doubles with each further attempt
    max_restarts: int = 5  # reconnections allowed within `restart_window`: a crash-looping server goes down
    restart_window: float = 300.0  # ...and is probed again once the window allows another reconnection
    probe_backoff: float = 2.0  # wait before probing a down server again; doubles after each failed probe
    probe_backoff_max: float = 60.0


@dataclass(frozen=True)
class ServerStatus:
    server: str
    state: State
    restarts: int  # reconnections after a failure, since the supervisor was made
    last_error: str | None  # the latest failure, for operators (may name hosts and paths; not for the model)
    since: datetime  # when `state` was entered (UTC)
    tools: int | None = None  # how many tools the server offered when they were last listed


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


def is_read_only(tool: ToolDefinition) -> bool:
    annotations = (tool.metadata or {}).get("annotations") or {}
    return annotations.get("readOnlyHint") is True


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and contexts, and the members of exception groups among them."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _session_lost(error: MCPError) -> bool:
    # A streamable HTTP server that restarted answers an old session id with 404, which the MCP client reports
    # as INVALID_REQUEST "Session not found" (the server's words) or "Session terminated" (the client's).
    message = error.error.message.lower()
    return error.error.code == INVALID_REQUEST and "session" in message


def connection_failure(exc: BaseException) -> Delivery | None:
    """Whether `exc` means the connection to the server failed, and if so whether the request may have arrived.

    None for the tool's own outcomes (an error result, invalid arguments, a timeout), which go to the model as they
    are. pydantic-ai's MCPToolset turns protocol errors into `ModelRetry`, so the cause decides.
    """
    if isinstance(exc, ModelRetry | ToolFailed):
        cause = exc.__cause__
        if not isinstance(cause, MCPError):
            return None
        if _session_lost(cause):
            return "not_delivered"
        return "uncertain" if cause.error.code == CONNECTION_CLOSED else None
    for link in _chain(exc):
        # mcp 2 speaks HTTP through httpx2, older stacks through httpx; both name their can't-connect errors alike.
        if type(link).__name__ in ("ConnectError", "ConnectTimeout"):
            return "not_delivered"
        if isinstance(link, MCPError) and _session_lost(link):
            return "not_delivered"
    return "uncertain"


def describe(exc: BaseException) -> str:
    """The innermost useful text of a failure: exception groups hide their members' messages."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class SupervisedToolset(WrapperToolset[Any]):
    """One MCP server, supervised: see the module docstring. Shared by every agent that uses the server."""

    def __init__(
        self,
        server: str,
        wrapped: MCPToolset[Any],
        policy: SupervisionPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(wrapped)
        self.server = server
        self.mcp = wrapped
        self.policy = policy or SupervisionPolicy()
        self._clock = clock
        self._state: State = "idle"
        self._since = datetime.now(UTC)
        self._restarts = 0
        self._last_error: str | None = None
        self._holders = 0  # contexts entered through this supervisor
        self._connected = False  # whether this supervisor holds its one entry into the MCPToolset
        self._generation = 0  # counts connections, so concurrent calls that failed reconnect only once
        self._lock = asyncio.Lock()
        self._reconnects: deque[float] = deque()
        self._failed_probes = 0
        self._next_probe = 0.0
        self._listeners: list[Listener] = []
        self._tools: int | None = None

    # Identity, not the dataclass's field comparison: two supervisors of one toolset are still two supervisors.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    @property
    def label(self) -> str:
        return f"SupervisedToolset({self.server!r})"

    @property
    def status(self) -> ServerStatus:
        return ServerStatus(self.server, self._state, self._restarts, self._last_error, self._since, self._tools)

    @property
    def unavailable_instructions(self) -> str:
        return (
            f"The {self.server} server is unavailable right now; its tools are withdrawn. "
            "Tell the user what you cannot do."
        )

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every state change (synchronously: it must not block); returns the unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    # --- the toolset protocol ---------------------------------------------------------------------------------

    async def for_run(self, ctx: RunContext[Any]) -> AbstractToolset[Any]:
        run_toolset = await self.mcp.for_run(ctx)
        if run_toolset is self.mcp:
            return self
        # A server with per-run credentials gets a connection, and so a supervisor, per run.
        assert isinstance(run_toolset, MCPToolset)
        return SupervisedToolset(self.server, run_toolset, self.policy, clock=self._clock)

    async def for_run_step(self, ctx: RunContext[Any]) -> AbstractToolset[Any]:
        if self._state == "down" and self._holders and self._clock() >= self._next_probe:
            await self._connect_if_needed()
        elif self._state == "up" and self._connected and connection_ended(self.mcp.client.transport):
            # A held connection whose server died while the conversation was quiet: reconnect before this step
            # rather than let its next call fail, which for a write would leave the model unsure it happened.
            await self._recover(self._generation, ConnectionError("the server exited while its connection was idle"))
        return self

    def visit_and_replace(
        self, visitor: Callable[[AbstractToolset[Any]], AbstractToolset[Any]]
    ) -> AbstractToolset[Any]:
        replaced = self.mcp.visit_and_replace(visitor)
        # Supervision needs an MCPToolset to reconnect; the host uses no visitor that swaps it for anything else
        # (durable execution does), so such a replacement is not applied.
        if replaced is self.mcp or not isinstance(replaced, MCPToolset):
            return self
        return SupervisedToolset(self.server, replaced, self.policy, clock=self._clock)

    async def __aenter__(self) -> Self:
        self._holders += 1
        await self._connect_if_needed()
        return self

    async def __aexit__(self, *args: Any) -> bool | None:
        self._holders = max(0, self._holders - 1)
        if self._holders == 0:
            async with self._lock:
                if self._holders == 0:
                    await self._disconnect()
                    if self._state == "up":
                        self._set_state("idle")
        return None

    async def get_instructions(
        self, ctx: RunContext[Any]
    ) -> str | InstructionPart | Sequence[str | InstructionPart] | None:
        if self._state == "down":
            return self.unavailable_instructions
        return await super().get_instructions(ctx)  # the server's own, when MCPToolset passes them on

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        if self._state == "down":
            return {}
        generation = self._generation
        try:
            return self._counted(await self.wrapped.get_tools(ctx))
        except Exception as exc:  # listing tools has no outcome of its own: any failure is the server's
            failure = exc
        if not await self._recover(generation, failure):
            return {}
        try:
            return self._counted(await self.wrapped.get_tools(ctx))
        except Exception as exc:  # as above
            await self._recover(self._generation, exc)
            return {}

    def _counted(self, tools: dict[str, ToolsetTool[Any]]) -> dict[str, ToolsetTool[Any]]:
        self._tools = len(tools)
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        if self._state == "down":
            raise ToolFailed(self.unavailable_instructions)
        generation = self._generation
        try:
            return await self.wrapped.call_tool(name, tool_args, ctx, tool)
        except Exception as exc:  # sorted by connection_failure: the tool's own errors are re-raised untouched
            delivery = connection_failure(exc)
            if delivery is None:
                raise
            failure = exc
        if not await self._recover(generation, failure):
            raise ToolFailed(f"{self.unavailable_instructions} The call was not completed.") from failure
        if delivery == "uncertain" and not is_read_only(tool.tool_def):
            raise ToolFailed(
                f"The {self.server} server lost its connection during this call and was reconnected. The call may "
                "or may not have taken effect: check before making it again."
            ) from failure
        generation = self._generation
        try:
            return await self.wrapped.call_tool(name, tool_args, ctx, tool)
        except Exception as exc:  # as above
            if connection_failure(exc) is None:
                raise
            await self._recover(generation, exc)
            raise ToolFailed(
                f"The {self.server} server failed again right after reconnecting; the call was not completed."
            ) from exc

    # --- connection management (under the lock) ---------------------------------------------------------------

    async def _connect_if_needed(self) -> None:
        async with self._lock:
            if self._connected or not self._holders:
                return
            if self._state == "down" and self._clock() < self._next_probe:
                return
            try:
                await self.mcp.__aenter__()
            except Exception as exc:  # whatever stops a server from starting leaves it down, not the run failed
                self._mark_down(describe(exc))
                return
            # Not from `idle`: a probe of a down server, or a restart that a cancelled turn cut short.
            self._connected_now(after_failure=self._state != "idle")

    async def _recover(self, generation: int, failure: BaseException) -> bool:
        """Reconnect after `failure` unless another call already did; False when the server is down."""
        async with self._lock:
            if self._generation != generation and self._connected:
                return True
            if self._state == "down" or not self._holders:
                return False
            return await self._restart(failure)

    async def _restart(self, failure: BaseException) -> bool:
        self._last_error = describe(failure)
        logger.warning("server %r failed (%s); reconnecting", self.server, self._last_error)
        self._set_state("restarting")
        policy, now = self.policy, self._clock()
        while self._reconnects and now - self._reconnects[0] > policy.restart_window:
            self._reconnects.popleft()
        # The connection failed: whatever comes next, this supervisor no longer holds it. A server declared down
        # while still counted as connected would never be probed again (`_connect_if_needed`).
        await self._disconnect()
        not_before = 0.0
        for attempt in range(policy.restart_attempts):
            if len(self._reconnects) >= policy.max_restarts:
                self._last_error += (
                    f" (reconnected {len(self._reconnects)} times within {policy.restart_window:g}s: "
                    "treating it as down)"
                )
                # A crash loop: probe again only once the window allows another restart.
                not_before = self._reconnects[0] + policy.restart_window
                break
            if attempt:
                await asyncio.sleep(policy.restart_backoff * 2 ** (attempt - 1))
            await self._disconnect()
            if self.mcp.is_running:
                self._last_error = (
                    "cannot reconnect: the MCPToolset is also entered outside its supervisor; "
                    "enter the supervised toolset or the agent instead"
                )
                break
            self._reconnects.append(self._clock())
            try:
                await self.mcp.__aenter__()
            except Exception as exc:  # as in _connect_if_needed: try again, then give up
                self._last_error = describe(exc)
                continue
            self._connected_now(after_failure=True)
            return True
        self._mark_down(self._last_error, not_before=not_before)
        return False

    async def _disconnect(self) -> None:
        if not self._connected:
            return
        self._connected = False
        try:
            await self.mcp.__aexit__(None, None, None)
        except Exception as exc:  # a dead session can fail its own teardown with the error it died of
            logger.debug("closing the connection to %r: %s", self.server, describe(exc))

    def _connected_now(self, *, after_failure: bool) -> None:
        self._connected = True
        self._generation += 1
        self._failed_probes = 0
        if after_failure:
            self._restarts += 1
        self._set_state("up")

    def _mark_down(self, error: str, *, not_before: float = 0.0) -> None:
        self._last_error = error
        self._failed_probes += 1
        wait = self.policy.probe_backoff * 2 ** (self._failed_probes - 1)
        self._next_probe = max(not_before, self._clock() + min(self.policy.probe_backoff_max, wait))
        self._set_state("down")

    def _set_state(self, state: State) -> None:
        previous = self._state
        if state == previous:
            return
        self._state, self._since = state, datetime.now(UTC)
        if state == "down":
            logger.warning("server %r is down: %s", self.server, self._last_error)
        change = StatusChange(previous, self.status)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # a broken listener must not break the conversation it reports on
                logger.exception("status listener for %r failed", self.server)


# One supervisor per MCPToolset, keyed by the toolset's id(). Values are held weakly: an entry lives as long as
# its supervisor, which holds the toolset, so the id cannot be reused while the entry exists.
_supervisors: weakref.WeakValueDictionary[int, SupervisedToolset] = weakref.WeakValueDictionary()


def supervise(
    server: str, toolset: MCPToolset[Any] | SupervisedToolset, policy: SupervisionPolicy | None = None
) -> SupervisedToolset:
    """The supervisor of `toolset`, made on first use; `policy` applies only when it is made here."""
    if isinstance(toolset, SupervisedToolset):
        return toolset
    found = _supervisors.get(id(toolset))
    if found is None or found.mcp is not toolset:
        found = _supervisors[id(toolset)] = SupervisedToolset(server, toolset, policy)
    return found


def supervise_all(
    servers: Mapping[str, MCPToolset[Any]], policy: SupervisionPolicy | None = None
) -> dict[str, SupervisedToolset]:
    """Supervisors for a `{name: MCPToolset}` mapping, to pass to `agent_toolsets`/`build_agent` and read status."""
    return {name: supervise(name, toolset, policy) for name, toolset in servers.items()}


def supervised_servers(toolsets: Iterable[AbstractToolset[Any]]) -> dict[str, SupervisedToolset]:
    """The supervised servers inside toolsets (an agent's `toolsets`, or what `agent_toolsets` returned), by name."""
    found: dict[str, SupervisedToolset] = {}
    todo = list(toolsets)
    while todo:
        toolset = todo.pop()
        if isinstance(toolset, SupervisedToolset):
            found[toolset.server] = toolset
        elif isinstance(toolset, WrapperToolset):
            todo.append(toolset.wrapped)
        else:
            todo.extend(getattr(toolset, "toolsets", ()))  # CombinedToolset
    return found


class StatusBoard:
    """The latest known status of each server, across supervisors that come and go (one per turn, say).

    For an admin view: `track` each new supervisor; `statuses()` keeps what was last seen while no run holds a
    server (an `idle` supervisor says nothing new about the server itself).
    """

    def __init__(self) -> None:
        self._latest: dict[str, ServerStatus] = {}

    def track(self, servers: Iterable[SupervisedToolset]) -> None:
        for server in servers:
            self._record(server.status)
            server.subscribe(lambda change: self._record(change.status))

    def statuses(self) -> dict[str, ServerStatus]:
        return dict(self._latest)

    def _record(self, status: ServerStatus) -> None:
        known = self._latest.get(status.server)
        if status.state != "idle" or known is None:
            self._latest[status.server] = status
        elif status.tools is not None:  # an idle supervisor still knows how many tools there were
            self._latest[status.server] = replace(known, tools=status.tools)


@dataclass
class Watch:
    """Status changes seen while a `watch()` block ran, in order."""

    changes: list[StatusChange] = field(default_factory=list)

    @property
    def withdrawn(self) -> list[str]:
        """Servers that went down during the block (and may still be down)."""
        return [c.server for c in self.changes if c.status.state == "down" and c.previous != "down"]


@contextmanager
def watch(servers: Iterable[SupervisedToolset], listener: Listener | None = None) -> Iterator[Watch]:
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
