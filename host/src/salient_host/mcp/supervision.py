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
failure; calls wait), `down`. Every change is passed to the callbacks given to `SupervisedToolset.subscribe`.

One supervisor per connection, and a connection acts for one account (config/tenancy.py): a supervisor is made for
(account, server), and agents of that account that share a server share its supervisor (`supervise_all`), hence its
restarts and status. The supervisor owns the toolset's connection: enter the supervised toolset (or the agent), never
the `MCPToolset` itself, or a restart cannot close the old connection. The host's own requests to a server (summaries
reading a booking, say) go through `SupervisedToolset.request`, over the same connection, restarted the same way.

State changes, `watch()` and `StatusBoard` are in status.py; how failures are read, in failures.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from fastmcp import Client
from pydantic_ai import RunContext
from pydantic_ai.exceptions import ToolFailed
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import InstructionPart
from pydantic_ai.toolsets import AbstractToolset, ToolsetTool, WrapperToolset

from salient_host.errors import SalientHostError
from salient_host.mcp.client import connection_ended
from salient_host.mcp.failures import connection_failure, describe, is_read_only, request_failure
from salient_host.mcp.status import Listener, ServerStatus, State, StatusChange

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ServerDown(SalientHostError):
    """A request of the host's own to a server that is down, or went down while it was sent; the message says so."""


@dataclass(frozen=True)
class SupervisionPolicy:
    """How hard to try. Times in seconds."""

    restart_attempts: int = 3  # reconnections tried after one failure before the server is declared down
    restart_backoff: float = 0.5  # wait before the second attempt; doubles with each further attempt
    max_restarts: int = 5  # reconnections allowed within `restart_window`: a crash-looping server goes down
    restart_window: float = 300.0  # ...and is probed again once the window allows another reconnection
    probe_backoff: float = 2.0  # wait before probing a down server again; doubles after each failed probe
    probe_backoff_max: float = 60.0


class SupervisedToolset(WrapperToolset[Any]):
    """One MCP server, supervised: see the module docstring. Shared by every agent that uses the server."""

    def __init__(
        self,
        server: str,
        wrapped: MCPToolset[Any],
        policy: SupervisionPolicy | None = None,
        *,
        account: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`account`: whose connection `wrapped` is (`toolsets.account_supervisor`); None only for one made for no
        account (a test's own server), which `server_toolsets` then accepts for any."""
        super().__init__(wrapped)
        self.server = server
        self.account = account
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
        return ServerStatus(
            self.server, self._state, self._restarts, self._last_error, self._since, self._tools, self.account
        )

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
        return SupervisedToolset(self.server, run_toolset, self.policy, account=self.account, clock=self._clock)

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
        return SupervisedToolset(self.server, replaced, self.policy, account=self.account, clock=self._clock)

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

    async def request(self, send: Callable[[Client[Any]], Awaitable[T]], *, read_only: bool) -> T:
        """One request of the host's own (not a model's call) over this server's held connection, supervised alike.

        `send` gets the connection's fastmcp Client. A connection that fails is restarted as for a tool call, and the
        request sent again when that cannot do something twice (`read_only`, or it provably never arrived). Raises
        ServerDown when the server cannot be reached (or the request's outcome is unknown); the server's own errors
        (a tool's error result, say) are raised as they come. The supervisor must be entered (held).
        """
        if self._state == "down" or not self._holders:
            raise ServerDown(self.unavailable_instructions)
        generation = self._generation
        try:
            return await send(self.mcp.client)
        except Exception as exc:  # sorted by request_failure: the server's own answers are re-raised untouched
            delivery = request_failure(exc)
            if delivery is None:
                raise
            failure = exc
        if not await self._recover(generation, failure):
            raise ServerDown(f"{self.unavailable_instructions} The request was not completed.") from failure
        if delivery == "uncertain" and not read_only:
            raise ServerDown(
                f"The {self.server} server lost its connection during a request and was reconnected; "
                "the request may or may not have taken effect."
            ) from failure
        generation = self._generation
        try:
            return await send(self.mcp.client)
        except Exception as exc:  # as above
            if request_failure(exc) is None:
                raise
            await self._recover(generation, exc)
            raise ServerDown(f"The {self.server} server failed again right after reconnecting.") from exc

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


def supervise_all(
    servers: Mapping[str, MCPToolset[Any]], policy: SupervisionPolicy | None = None, *, account: str | None = None
) -> dict[str, SupervisedToolset]:
    """A new supervisor for each of a `{name: MCPToolset}` mapping, to share between one account's agents
    (`server_toolsets`); the toolsets must be that account's own (`toolsets.account_toolset`)."""
    return {name: SupervisedToolset(name, toolset, policy, account=account) for name, toolset in servers.items()}
