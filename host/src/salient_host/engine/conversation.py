"""Conversations: sessions and turns for one host, each turn a task of its own (implements events.Conversations).

    engine = await ConversationEngine.open(config)          # or ConversationEngine(config, store)
    session = await engine.start(account="demo", agent="sales")
    async for event in engine.send(session.id, "Hi", account="demo", client_message_id="m-1"):
        ...                                                  # TextDelta, ToolStarted, ..., TurnFinished | TurnFailed
    await engine.aclose()

What the engine refuses is a ConversationError (errors.py, re-exported here); `send` and `decide` are async
generators, so theirs are raised by the first step of the iteration. Everything that goes wrong inside a turn is a
TurnFailed event instead, so a stream always ends cleanly.

A turn is stored and run under its session's lock: turns of one session run one after another, turns of different
sessions run side by side (running.py). Each session has its own MCP sessions, held open between its turns
(connections.py); held calls and decisions are approvals.py's, the transcript transcript.py's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai import DeferredToolResults, ModelRequest, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.toolsets import AbstractToolset

from salient_host.config.problems import display_path
from salient_host.config.schema import Config
from salient_host.engine.agents import UnknownAgent, build_agent, usage_limits
from salient_host.engine.approvals import (
    DENIED,
    NOT_DECIDED,
    check_decisions,
    decision_summary,
    deferred_results,
    denied,
    not_decided,
    pending_calls,
)
from salient_host.engine.errors import (
    AgentNotAllowed,
    ConversationError,
    DecisionMismatch,
    EmptyMessage,
    NothingToDecide,
    SessionNotFound,
)
from salient_host.engine.events import SessionInfo, ShownMessage, ShownToolCall, TurnEvent, TurnFailed
from salient_host.engine.histories import HeldHistories
from salient_host.engine.origin import LeadOriginToolset
from salient_host.engine.recording import RecordingToolset
from salient_host.engine.running import RunningTurns
from salient_host.engine.transcript import session_info, shown_call, transcript
from salient_host.engine.turn import Turn
from salient_host.engine.turnlog import TurnLog, replay
from salient_host.llm.budgets import BudgetGuard
from salient_host.llm.choice import ModelUnavailable, model_source, resolve
from salient_host.llm.pricing import Pricer
from salient_host.mail import Mailer
from salient_host.mcp.connections import ConversationConnections
from salient_host.mcp.status import Listener, StatusBoard, StatusChange, watch
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.mcp.toolsets import ServerToolset
from salient_host.memory import DuplicateClientMessage, Store, database_url
from salient_host.memory.models import Session
from salient_host.memory.store import new_id
from salient_host.summaries.summarizer import Summarizer, open_mailer

log = logging.getLogger(__name__)

__all__ = [
    "DENIED",
    "NOT_DECIDED",
    "AgentNotAllowed",
    "ConversationEngine",
    "ConversationError",
    "DecisionMismatch",
    "EmptyMessage",
    "NothingToDecide",
    "SessionNotFound",
]


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
        self.running = RunningTurns(keep=keep_turns)
        # Each held conversation's parsed model history, so a turn does not reload it (histories.py).
        self.histories = HeldHistories(max_held)
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
                lock_for=self.running.lock_for,
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
        await self.running.wait_idle()

    async def aclose(self) -> None:
        """Stop running turns (each ends with TurnFailed), close MCP connections, and the store if opened here."""
        await self.running.cancel_all()
        await self.connections.aclose()
        if self._owns_mailer and self.summarizer is not None:
            await self.summarizer.mailer.aclose(flush_within=30.0)
        if self._owns_store:
            await self.store.close()

    @asynccontextmanager
    async def _servers_for(self, session: Session) -> AsyncGenerator[Mapping[str, SupervisedToolset]]:
        """The conversation's own connections, by server name, for a summary made outside its turns."""
        async with self.connections.use(session.id, session.agent, account=session.account_id) as held:
            yield held.servers

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
        return await transcript(self.store, await self._session(session_id, account))

    async def stop(self, session_id: str, *, account: str) -> bool:
        """Stop the session's running (or queued) turns; each ends with TurnFailed `stopped`, stored as such."""
        return self.running.stop((await self._session(session_id, account)).id)

    async def pending_approvals(self, session_id: str, *, account: str) -> list[ShownToolCall]:
        """Calls of the session's last turn held for a person's decision (empty when none are)."""
        session = await self._session(session_id, account)
        return [shown_call(c) for c in await pending_calls(self.store, session)]

    async def connect(self, session_id: str, *, account: str, on_change: Listener | None = None) -> None:
        """Open the conversation's MCP connections now, ahead of its next turn (which then finds them held).

        `on_change` hears each server come up or go down while they start, for a client that shows progress.
        """
        session = await self._session(session_id, account)
        if session.agent not in self.config.agents:
            return  # the turn says so
        async with (
            self.running.lock_for(session.id),
            self.connections.use(session.id, session.agent, account=session.account_id, on_change=on_change),
        ):
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
            turn_log = self._begin(session, client_message_id, lambda t: self._send_turn(t, text, client_message_id))
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
            check_decisions(session, await pending_calls(self.store, session), decisions)
            turn_log = self._begin(
                session, client_message_id, lambda turn: self._decide_turn(turn, decisions, client_message_id)
            )
        async for event in turn_log.follow(after_seq):
            yield event

    async def _existing(self, session: Session, client_message_id: str) -> TurnLog | None:
        """The turn this client message started, live or (after a restart) rebuilt from memory; None if new."""
        live = self.running.by_client(session.id, client_message_id)
        if live is not None:
            return live
        stored = await self.store.message_by_client_id(session.id, client_message_id)
        live = self.running.by_client(session.id, client_message_id)
        if live is not None:  # started by a concurrent send while we looked
            return live
        return await replay(self.store, session, stored.turn_id) if stored is not None else None

    def _begin(self, session: Session, client_message_id: str, body: Callable[[Turn], Awaitable[None]]) -> TurnLog:
        turn = Turn(
            store=self.store,
            session=session,
            log=TurnLog(new_id(), session.id),
            pricer=self.pricer,
            guard=self.guard,
            config_file=display_path(self.config.source),
            histories=self.histories,
        )
        self.running.start(turn, client_message_id, body)
        return turn.log

    async def _send_turn(self, turn: Turn, text: str, client_message_id: str) -> None:
        session = turn.session
        # Calls still awaiting approval are answered as not run, so the history stays one the model accepts.
        pending = await pending_calls(self.store, session)
        request = ModelRequest(parts=[*not_decided(pending), UserPromptPart(text)])
        try:
            # Stored (committed) before any model is asked: a crash from here on loses nothing the person said.
            # The held calls' denials are in the same commit, so they are stored exactly when the message is.
            message = await self.store.add_message(
                session,
                turn_id=turn.id,
                role="user",
                text=text,
                model_messages=[request],
                client_message_id=client_message_id,
                calls=[denied(call) for call in pending],
            )
        except DuplicateClientMessage:
            turn.log.emit(
                TurnFailed, code="internal", message="This message was stored already (by another host process)."
            )
            return
        self.histories.stored(session.id, message.seq, [request])
        await self._run(turn)

    async def _decide_turn(self, turn: Turn, decisions: dict[str, bool], client_message_id: str) -> None:
        session = turn.session
        pending = await pending_calls(self.store, session)
        try:
            check_decisions(session, pending, decisions)  # again, under the lock: a send may have come first
        except ConversationError as exc:
            turn.log.emit(TurnFailed, code="internal", message=str(exc))
            return
        summary = decision_summary(pending, decisions)
        try:
            message = await self.store.add_message(
                session, turn_id=turn.id, role="decision", text=summary, client_message_id=client_message_id
            )
        except DuplicateClientMessage:
            turn.log.emit(TurnFailed, code="internal", message="This decision was stored already.")
            return
        self.histories.stored(session.id, message.seq, [])
        await self._run(turn, deferred_results(decisions))

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
        async with self.connections.use(turn.session.id, name, account=turn.session.account_id) as held:
            origin = dict(turn.session.origin or {})

            # Host additions inside each server's tools: the lead's source filled from the session's origin
            # (origin.py), then every call that runs recorded, as sent, under its server's name (recording.py).
            def wrap(server: ServerToolset, tools: AbstractToolset[Any]) -> AbstractToolset[Any]:
                return LeadOriginToolset(
                    RecordingToolset(tools, server=server.name, observer=turn), origin=origin, server=server.name
                )

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
