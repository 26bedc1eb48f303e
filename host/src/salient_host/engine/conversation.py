"""Conversations: sessions and turns for one host, each turn a task of its own (implements events.Conversations).

    engine = await ConversationEngine.open(config)          # or ConversationEngine(config, store)
    session = await engine.start(account="demo", agent="sales")
    async for event in engine.send(session.id, "Hi", account="demo", client_message_id="m-1"):
        ...                                                  # TextDelta, ToolStarted, ..., TurnFinished | TurnFailed
    await engine.aclose()

Errors (all `ConversationError`): SessionNotFound (a LookupError: an unknown id and another account's look the
same), AgentNotAllowed (a PermissionError), and the ValueErrors NothingToDecide, DecisionMismatch, EmptyMessage.
`send` and `decide` are async generators, so theirs are raised by the first step of the iteration. Everything
that goes wrong inside a turn is a TurnFailed event instead, so a stream always ends cleanly.

A turn is stored and run under its session's lock: turns of one session run one after another, turns of different
sessions run side by side. Each session has its own MCP sessions, held open between its turns (connections.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, cast

from pydantic_ai import DeferredToolResults, ModelRequest, ToolDenied, ToolReturnPart, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.toolsets import AbstractToolset

from salient_host.config.problems import display_path
from salient_host.config.schema import Config
from salient_host.engine.agents import UnknownAgent, build_agent, usage_limits
from salient_host.engine.budgets import BudgetGuard
from salient_host.engine.events import (
    SessionInfo,
    ShownMessage,
    ShownToolCall,
    TurnEvent,
    TurnFailed,
)
from salient_host.engine.origin import LeadOriginToolset
from salient_host.engine.recording import RecordingToolset
from salient_host.engine.redact import shown_result
from salient_host.engine.turn import Turn
from salient_host.engine.turnlog import TurnLog, replay
from salient_host.llm.choice import ModelUnavailable, model_source, resolve
from salient_host.llm.pricing import Pricer
from salient_host.mail import Mailer
from salient_host.mcp.connections import ConversationConnections
from salient_host.mcp.status import Listener, StatusBoard, StatusChange, watch
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.mcp.toolsets import ServerToolset, tool_name
from salient_host.memory import DuplicateClientMessage, Store, database_url
from salient_host.memory.models import Session, ToolCall
from salient_host.memory.store import new_id
from salient_host.summaries.summarizer import Summarizer, open_mailer

log = logging.getLogger(__name__)

DENIED = "A person denied this call; it was not run. Do not retry it unless they ask again."
STOPPED = "Stopped at your request. Send a message to go on."
NOT_DECIDED = "Not run: the person sent a new message instead of approving this call."


class ConversationError(Exception):
    """A request the engine refuses; the message says why."""


class SessionNotFound(ConversationError, LookupError):
    def __init__(self, session_id: str) -> None:
        # Deliberately the same whether the id is unknown or belongs to another account.
        super().__init__(f"no session {session_id!r} for this account")


class AgentNotAllowed(ConversationError, PermissionError):
    pass


class EmptyMessage(ConversationError, ValueError):
    def __init__(self) -> None:
        super().__init__("the message is empty")


class NothingToDecide(ConversationError, ValueError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id!r} has no tool calls awaiting approval")


class DecisionMismatch(ConversationError, ValueError):
    def __init__(self, pending: list[str], given: list[str]) -> None:
        super().__init__(f"decide every call awaiting approval, no more and no fewer: pending {pending}, given {given}")


def model_name(server: str, tool: str) -> str:
    """A stored call's tool as the model named it (the host's own tools have no server)."""
    return tool_name(server, tool) if server else tool


def session_info(row: Session) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        account=row.account_id,
        agent=row.agent,
        created_at=row.created_at,
        title=row.title,
        origin=dict(row.origin or {}),
    )


def shown_call(call: ToolCall, result: Any = None) -> ShownToolCall:
    return ShownToolCall(
        call_id=call.call_id,
        server=call.server,
        tool=call.tool,
        args=dict(call.args or {}),
        duration_ms=call.duration_ms,
        outcome=cast(Any, call.outcome),
        result=shown_result(result) if result is not None else None,
    )


def tool_results(model_messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Each tool call's result by call id, from a message's stored model history (pydantic-ai's JSON form)."""
    return {
        part["tool_call_id"]: part.get("content")
        for message in model_messages
        if message.get("kind") == "request"
        for part in message.get("parts", [])
        if part.get("part_kind") == "tool-return" and part.get("outcome", "success") == "success"
    }


class ConversationEngine:
    """Sessions, turns and their events for one host; see the module docstring for use."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        model: Model | str | None = None,
        env: Mapping[str, str] = os.environ,
        keep_turns: int = 1000,
        mailer: Mailer | None = None,
        hold_connections: float = 300.0,
        max_held: int = 64,
    ) -> None:
        """`model`: a Model for every agent (tests), a model string overriding the configuration, or None.

        `hold_connections`: seconds a quiet conversation keeps its MCP connections (connections.py), for at most
        `max_held` conversations; 0 closes them after every turn.

        `mailer`: where e-mail summaries go (`summary.open_mailer`); without one, no agent sends summaries.
        """
        self.config = config
        self.store = store
        self.model = model
        self.env = env
        self.pricer = Pricer(config.prices, source=display_path(config.source))
        self.guard = BudgetGuard(config, store)
        self.keep_turns = keep_turns
        self._turns: OrderedDict[str, TurnLog] = OrderedDict()
        self._by_client: dict[tuple[str, str], str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._task_of: dict[str, asyncio.Task[None]] = {}  # turn id -> its task, while it runs
        self._stopping: set[str] = set()  # turns a person asked to stop (not the host closing)
        self._owns_store = False
        # The latest state of every server the turns have used, for an admin view (`status_board.statuses()`).
        self.status_board = StatusBoard()
        # Each conversation's own MCP sessions (never shared), held open between its turns.
        self.connections = ConversationConnections(
            config, idle=hold_connections, max_open=max_held, on_open=self.status_board.track
        )
        self._owns_mailer = False
        # E-mail summaries (summaries/summarizer.py): the agent's `email_summary` tool and the inactivity `sweep`.
        self.summarizer = (
            Summarizer(
                config,
                store,
                mailer,
                pricer=self.pricer,
                guard=self.guard,
                model_for=self._model,
                lock_for=self._lock_for,
                servers_for=self._servers_for,
            )
            if mailer is not None
            else None
        )

    @classmethod
    async def open(cls, config: Config, url: str | None = None, **options: Any) -> ConversationEngine:
        """An engine over its own store at `url` (default: `database_url()`), closed with the engine.

        With `mail:` configured (and no `mailer` given), the engine gets a mailer of its own for summaries.
        """
        store = await Store.open(url or database_url())
        owns_mailer = "mailer" not in options
        if owns_mailer:
            options["mailer"] = await open_mailer(config, store, options.get("env", os.environ))
        engine = cls(config, store, **options)
        engine._owns_store = True
        engine._owns_mailer = owns_mailer
        return engine

    async def __aenter__(self) -> ConversationEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def wait_idle(self) -> None:
        """Wait until every running turn has ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop running turns (each ends with TurnFailed), close MCP connections, and the store if opened here."""
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()
        await self.connections.aclose()
        if self._owns_mailer and self.summarizer is not None:
            await self.summarizer.mailer.aclose(flush_within=30.0)
        if self._owns_store:
            await self.store.close()

    @asynccontextmanager
    async def _servers_for(self, session: Session) -> AsyncIterator[Mapping[str, SupervisedToolset]]:
        """The conversation's own connections, by server name, for a summary made outside its turns."""
        async with self.connections.use(session.id, session.agent) as held:
            yield held.servers

    def _lock_for(self, session_id: str) -> asyncio.Lock:
        """One session's lock: its turns (and its summary) run one at a time."""
        return self._locks.setdefault(session_id, asyncio.Lock())

    # Sessions

    async def start(self, *, account: str, agent: str, origin: dict[str, str] | None = None) -> SessionInfo:
        if agent not in self.config.agents:
            raise UnknownAgent(self.config, agent)
        accounts = self.config.accounts
        file = display_path(self.config.source)
        # With no accounts configured, every account may use every agent (a single-tenant host).
        if accounts and account not in accounts:
            raise AgentNotAllowed(f"no account {account!r} in {file}; accounts: {', '.join(sorted(accounts))}")
        if accounts and agent not in accounts[account].agents:
            raise AgentNotAllowed(
                f"account {account!r} may not use agent {agent!r}; add it to accounts.{account}.agents in {file}"
            )
        return session_info(await self.store.create_session(account=account, agent=agent, origin=origin))

    async def get(self, session_id: str, *, account: str) -> SessionInfo:
        return session_info(await self._session(session_id, account))

    async def list_sessions(self, *, account: str, agent: str | None = None, limit: int = 50) -> list[SessionInfo]:
        """The account's sessions, most recently active first."""
        found = await self.store.list_sessions(account=account, agent=agent, limit=limit)
        return [session_info(s.session) for s in found]

    async def _session(self, session_id: str, account: str) -> Session:
        row = await self.store.get_session(session_id, account=account)
        if row is None:
            raise SessionNotFound(session_id)
        return row

    async def history(self, session_id: str, *, account: str) -> list[ShownMessage]:
        """The transcript: people's messages and answers, each answer with the tool calls of its turn."""
        session = await self._session(session_id, account)
        stored = await self.store.messages(session.id)
        results: dict[str, Any] = {}
        for message in stored:
            results.update(tool_results(message.model_messages or []))
        calls: dict[str, list[ShownToolCall]] = {}
        for call in await self.store.tool_calls(session.id):
            result = results.get(call.call_id) if call.outcome == "ok" else None
            calls.setdefault(call.turn_id, []).append(shown_call(call, result))
        shown = []
        for message in stored:
            if message.role == "user":
                shown.append(ShownMessage(id=message.id, role="user", text=message.text, created_at=message.created_at))
            elif message.role == "assistant":
                turn_calls = calls.pop(message.turn_id, [])
                if message.text or turn_calls:
                    shown.append(
                        ShownMessage(
                            id=message.id,
                            role="assistant",
                            text=message.text,
                            created_at=message.created_at,
                            tool_calls=turn_calls,
                        )
                    )
        return shown

    async def stop(self, session_id: str, *, account: str) -> bool:
        """Stop the session's running (or queued) turns; each ends with TurnFailed `stopped`, stored as such."""
        session = await self._session(session_id, account)
        running = [t.turn_id for t in self._turns.values() if t.session_id == session.id and not t.done]
        for turn_id in running:
            task = self._task_of.get(turn_id)
            if task is not None and not task.done():
                self._stopping.add(turn_id)
                task.cancel()
        return bool(running)

    async def pending_approvals(self, session_id: str, *, account: str) -> list[ShownToolCall]:
        """Calls of the session's last turn held for a person's decision (empty when none are)."""
        session = await self._session(session_id, account)
        return [shown_call(c) for c in await self.store.tool_calls(session.id, outcome="awaiting_approval")]

    async def connect(self, session_id: str, *, account: str, on_change: Listener | None = None) -> None:
        """Open the conversation's MCP connections now, ahead of its next turn (which then finds them held).

        `on_change` hears each server come up or go down while they start, for a client that shows progress.
        """
        session = await self._session(session_id, account)
        if session.agent not in self.config.agents:
            return  # the turn says so
        async with self._lock_for(session.id), self.connections.use(session.id, session.agent, on_change=on_change):
            pass

    # Turns

    async def send(
        self, session_id: str, text: str, *, account: str, client_message_id: str, after_seq: int = -1
    ) -> AsyncIterator[TurnEvent]:
        """Store `text`, run the turn, yield its events; the same `client_message_id` again follows that turn."""
        session = await self._session(session_id, account)
        if not text.strip():
            raise EmptyMessage()
        turn_log = await self._existing(session, client_message_id)
        if turn_log is None:
            turn_log = self._begin(
                session, client_message_id, lambda turn: self._send_turn(turn, text, client_message_id)
            )
        async for event in turn_log.follow(after_seq):
            yield event

    async def decide(
        self,
        session_id: str,
        decisions: dict[str, bool],
        *,
        account: str,
        client_message_id: str,
        after_seq: int = -1,
    ) -> AsyncIterator[TurnEvent]:
        """Approve (True) or deny (False) every call awaiting approval, by call id, and continue the turn."""
        session = await self._session(session_id, account)
        turn_log = await self._existing(session, client_message_id)
        if turn_log is None:
            await self._check_decisions(session, decisions)
            turn_log = self._begin(
                session, client_message_id, lambda turn: self._decide_turn(turn, decisions, client_message_id)
            )
        async for event in turn_log.follow(after_seq):
            yield event

    async def _check_decisions(self, session: Session, decisions: dict[str, bool]) -> None:
        pending = sorted(c.call_id for c in await self.store.tool_calls(session.id, outcome="awaiting_approval"))
        if not pending:
            raise NothingToDecide(session.id)
        if sorted(decisions) != pending:
            raise DecisionMismatch(pending, sorted(decisions))

    async def _existing(self, session: Session, client_message_id: str) -> TurnLog | None:
        """The turn this client message started, live or (after a restart) rebuilt from memory; None if new."""
        key = (session.id, client_message_id)
        if key in self._by_client:
            return self._turns[self._by_client[key]]
        stored = await self.store.message_by_client_id(session.id, client_message_id)
        if key in self._by_client:  # started by a concurrent send while we looked
            return self._turns[self._by_client[key]]
        return await replay(self.store, session, stored.turn_id) if stored is not None else None

    def _begin(self, session: Session, client_message_id: str, body: Callable[[Turn], Awaitable[None]]) -> TurnLog:
        turn_log = TurnLog(new_id(), session.id)
        self._turns[turn_log.turn_id] = turn_log
        self._by_client[(session.id, client_message_id)] = turn_log.turn_id
        turn = Turn(
            store=self.store,
            session=session,
            log=turn_log,
            pricer=self.pricer,
            guard=self.guard,
            config_file=display_path(self.config.source),
        )
        # The turn is a task of its own: the caller's stream may go away, the turn goes on.
        task = asyncio.create_task(self._drive(turn, body), name=f"turn {turn_log.turn_id}")
        self._tasks.add(task)
        self._task_of[turn_log.turn_id] = task
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._task_of.pop(turn_log.turn_id, None))
        return turn_log

    async def _drive(self, turn: Turn, body: Callable[[Turn], Awaitable[None]]) -> None:
        lock = self._lock_for(turn.session.id)
        try:
            async with lock:
                try:
                    await body(turn)
                except asyncio.CancelledError:
                    if turn.id not in self._stopping or turn.log.done:
                        raise
                    current = asyncio.current_task()
                    if current is not None:
                        current.uncancel()  # the stop is handled here; the task goes on to store it
                    # A person stopped it: what the turn got to is dropped, the stop is stored (under the lock,
                    # so it stays before the session's next message).
                    await turn.fail("stopped", STOPPED)
        except asyncio.CancelledError:
            if turn.id in self._stopping:  # stopped while it waited for an earlier turn: nothing ran
                if not turn.log.done:
                    turn.log.emit(TurnFailed, code="stopped", message=STOPPED)
                return
            if not turn.log.done:
                turn.log.emit(TurnFailed, code="internal", message="The host stopped during this turn.")
            raise
        except Exception:
            log.exception("turn %s could not be run", turn.id)
            if not turn.log.done:
                turn.log.emit(TurnFailed, code="internal", message="Internal error; the host's log has the details.")
        finally:
            self._stopping.discard(turn.id)
            if not turn.log.done:  # a body that returned without ending its turn is a bug; followers must not hang
                turn.log.emit(TurnFailed, code="internal", message="The turn ended without an outcome.")
            self._forget_old_turns()

    def _forget_old_turns(self) -> None:
        finished = [turn_id for turn_id, t in self._turns.items() if t.done]
        for turn_id in finished[: max(0, len(finished) - self.keep_turns)]:
            del self._turns[turn_id]
        if len(self._by_client) > len(self._turns):
            self._by_client = {k: v for k, v in self._by_client.items() if v in self._turns}

    async def _send_turn(self, turn: Turn, text: str, client_message_id: str) -> None:
        session = turn.session
        # Calls still awaiting approval are answered as not run, so the history stays one the model accepts.
        pending = await self.store.tool_calls(session.id, outcome="awaiting_approval")
        parts: list[Any] = [
            ToolReturnPart(
                tool_name(c.server, c.tool) if c.server else c.tool, NOT_DECIDED, c.call_id, outcome="denied"
            )
            for c in pending
        ]
        parts.append(UserPromptPart(text))
        try:
            # Stored (committed) before any model is asked: a crash from here on loses nothing the person said.
            await self.store.add_message(
                session,
                turn_id=turn.id,
                role="user",
                text=text,
                model_messages=[ModelRequest(parts=parts)],
                client_message_id=client_message_id,
            )
        except DuplicateClientMessage:
            turn.log.emit(
                TurnFailed, code="internal", message="This message was stored already (by another host process)."
            )
            return
        for call in pending:
            await self.store.record_tool_call(
                session,
                turn_id=call.turn_id,
                call_id=call.call_id,
                server=call.server,
                tool=call.tool,
                args=call.args,
                outcome="denied",
                error=NOT_DECIDED,
            )
        await self._run(turn)

    async def _decide_turn(self, turn: Turn, decisions: dict[str, bool], client_message_id: str) -> None:
        session = turn.session
        try:
            await self._check_decisions(session, decisions)  # again, under the lock: a send may have come first
        except ConversationError as exc:
            turn.log.emit(TurnFailed, code="internal", message=str(exc))
            return
        calls = {c.call_id: c for c in await self.store.tool_calls(session.id, outcome="awaiting_approval")}
        summary = "; ".join(
            f"{'approved' if ok else 'denied'} {calls[call_id].server}.{calls[call_id].tool}"
            for call_id, ok in decisions.items()
        )
        try:
            await self.store.add_message(
                session, turn_id=turn.id, role="decision", text=summary, client_message_id=client_message_id
            )
        except DuplicateClientMessage:
            turn.log.emit(TurnFailed, code="internal", message="This decision was stored already.")
            return
        results = DeferredToolResults(
            approvals={call_id: True if ok else ToolDenied(DENIED) for call_id, ok in decisions.items()}
        )
        await self._run(turn, results)

    async def _run(self, turn: Turn, deferred: DeferredToolResults | None = None) -> None:
        name = turn.session.agent
        if name not in self.config.agents:  # the session is older than the configuration it runs under
            known = ", ".join(sorted(self.config.agents)) or "none"
            await turn.fail("internal", f"Agent {name!r} is no longer configured (agents: {known}); start a new chat.")
            return
        try:
            model = self._model(name)
        except ModelUnavailable as exc:
            await turn.fail("no_model", str(exc))
            return
        # The conversation's own toolsets, hence MCP sessions: nothing is shared between conversations.
        async with self.connections.use(turn.session.id, name) as held:
            origin = dict(turn.session.origin or {})

            # Host additions inside each server's tools: the lead's source filled from the session's origin
            # (origin.py), then every call that runs recorded, as sent, under its server's name (recording.py).
            def wrap(server: ServerToolset, tools: AbstractToolset[Any]) -> AbstractToolset[Any]:
                return LeadOriginToolset(RecordingToolset(tools, server=server.name, observer=turn), origin=origin)

            toolsets = [record.for_agent(wrap) for record in held.tools]
            if self.summarizer is not None:
                summaries = self.summarizer.toolset(turn.session, turn, held.servers)
                if summaries is not None:
                    toolsets.append(RecordingToolset(summaries, observer=turn))
            agent = build_agent(self.config, name, toolsets=toolsets)

            def tell(change: StatusChange) -> None:
                if change.text:
                    turn.notice(change.level, change.text)

            servers = [record.supervisor for record in held.tools]
            for server in servers:  # down before this turn (at connecting, or in an earlier turn): say so again
                if server.status.state == "down":
                    tell(StatusChange("idle", server.status))
            with watch(servers, tell):
                await turn.run(
                    agent,
                    model,
                    limits=usage_limits(self.config, name),
                    deferred=deferred,
                    model_source=model_source(
                        self.config, name, self.model if isinstance(self.model, str) else None, self.env
                    ),
                )

    def _model(self, agent: str) -> Model:
        if isinstance(self.model, Model):
            return self.model
        return resolve(self.config, agent, self.model, self.env)[0]
