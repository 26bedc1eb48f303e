"""The host's memory on SQLite or PostgreSQL: open (and migrate) a database, and the queries the host needs.

The Store owns its units of work: each write commits before it returns, because a message or a model request that
is stored must stay stored even if the process dies a moment later. A turn's records come in batches (records.py):
`record` writes one in one transaction, and `add_message` writes the last one with the turn's answer.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salient_core.db import Database, utcnow
from salient_core.migrate import MigrationSet, upgrade
from salient_core.settings import default_data_dir
from sqlalchemy import ColumnElement, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from salient_host.errors import SalientHostError
from salient_host.memory.models import LlmRequest, Message, Session, ToolCall
from salient_host.memory.records import CallRecord, Outcome, RequestRecord, write_records

if TYPE_CHECKING:
    from pydantic_ai import ModelMessage

MIGRATIONS = MigrationSet("host", Path(__file__).parent / "migrations")
DATABASE_ENV = "SALIENT_HOST_DATABASE_URL"
TITLE_LENGTH = 80


def database_url(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """`--db`, else SALIENT_HOST_DATABASE_URL, else `host.db` in the per-user data directory."""
    return explicit or env.get(DATABASE_ENV) or f"sqlite:///{default_data_dir() / 'host.db'}"


def new_id() -> str:
    return uuid.uuid4().hex


class DuplicateClientMessage(SalientHostError):
    """A message with this `client_message_id` is already stored in the session."""


@dataclass(frozen=True)
class Spent:
    requests: int
    tokens: int
    cost_usd: Decimal
    unpriced: int  # requests whose price is unknown; their cost is not in `cost_usd`


@dataclass(frozen=True)
class UsageRow:
    account: str
    agent: str
    model: str
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    unpriced: int


@dataclass(frozen=True)
class SessionSummary:
    session: Session
    messages: int
    cost_usd: Decimal
    unpriced: int = 0  # requests whose price is unknown; their cost is not in `cost_usd`


def dump_messages(messages: Sequence[ModelMessage]) -> list[dict[str, Any]]:
    from pydantic_ai import ModelMessagesTypeAdapter  # here: `salient sessions` and `usage` start without it

    return ModelMessagesTypeAdapter.dump_python(list(messages), mode="json")


def load_messages(raw: list[dict[str, Any]]) -> list[ModelMessage]:
    from pydantic_ai import ModelMessagesTypeAdapter

    return ModelMessagesTypeAdapter.validate_python(raw)


def _decimal(value: Any) -> Decimal:
    # SQLite sums numerics as floats; the string round-trip keeps their printed digits rather than binary noise.
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def sessions_where(
    *, account: str | None = None, agent: str | None = None, search: str | None = None
) -> list[ColumnElement[bool]]:
    """Conditions on sessions: of `account`, with `agent`, and whose id, title or a person's message holds `search`."""
    conditions: list[ColumnElement[bool]] = []
    if account is not None:
        conditions.append(Session.account_id == account)
    if agent is not None:
        conditions.append(Session.agent == agent)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        said = (
            select(Message.id)
            .where(Message.session_id == Session.id, Message.role == "user", Message.text.ilike(pattern, escape="\\"))
            .correlate(Session)
            .exists()
        )
        conditions.append(or_(Session.id.ilike(pattern, escape="\\"), Session.title.ilike(pattern, escape="\\"), said))
    return conditions


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connect to `url` and bring the host's tables up to date."""
        db = Database(url)
        try:
            await upgrade(db, MIGRATIONS)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    async def close(self) -> None:
        await self.db.close()

    # Sessions

    async def create_session(self, *, account: str, agent: str, origin: Mapping[str, str] | None = None) -> Session:
        session = Session(id=new_id(), account_id=account, agent=agent, origin=dict(origin or {}))
        async with self.db.transaction() as tx:
            tx.add(session)
        return session

    async def get_session(self, session_id: str, *, account: str | None) -> Session | None:
        """The session, if it exists and (with `account`) belongs to that account; None otherwise."""
        async with self.db.session(account=account) as s:
            query = select(Session).where(Session.id == session_id)
            if account is not None:
                query = query.where(Session.account_id == account)
            return (await s.scalars(query)).one_or_none()

    async def list_sessions(
        self,
        *,
        account: str | None = None,
        agent: str | None = None,
        search: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[SessionSummary]:
        """Newest first, each with its message count and what its model requests cost; `search` as `sessions_where`."""
        messages = (
            select(func.count(Message.id)).where(Message.session_id == Session.id).correlate(Session).scalar_subquery()
        )
        cost = (
            select(func.coalesce(func.sum(LlmRequest.cost_usd), 0))
            .where(LlmRequest.session_id == Session.id)
            .correlate(Session)
            .scalar_subquery()
        )
        unpriced = (
            select(func.count(LlmRequest.id))
            .where(LlmRequest.session_id == Session.id, LlmRequest.cost_usd.is_(None))
            .correlate(Session)
            .scalar_subquery()
        )
        query = (
            select(Session, messages, cost, unpriced)
            .where(*sessions_where(account=account, agent=agent, search=search))
            .order_by(Session.updated_at.desc(), Session.id)
            .limit(limit)
            .offset(offset)
        )
        async with self.db.session() as s:
            rows = (await s.execute(query)).all()
        return [SessionSummary(row[0], int(row[1]), _decimal(row[2]), int(row[3])) for row in rows]

    async def sessions_with_prefix(self, prefix: str, *, account: str | None, limit: int = 10) -> list[Session]:
        """Sessions whose id starts with `prefix` (at most `limit`, newest first), for a shortened id."""
        query = (
            select(Session)
            .where(Session.id.startswith(prefix, autoescape=True))
            .order_by(Session.updated_at.desc(), Session.id)
            .limit(limit)
        )
        if account is not None:
            query = query.where(Session.account_id == account)
        async with self.db.session(account=account) as s:
            return list((await s.scalars(query)).all())

    # Messages

    async def add_message(
        self,
        session: Session,
        *,
        turn_id: str,
        role: str,
        text: str,
        model_messages: Sequence[ModelMessage] = (),
        client_message_id: str | None = None,
        error_code: str | None = None,
        error: str | None = None,
        status: str | None = None,
        requests: Sequence[RequestRecord] = (),
        calls: Sequence[CallRecord] = (),
    ) -> Message:
        """Append a message (committed before this returns); DuplicateClientMessage if the client id is taken.

        `status`: the session's new status; `requests` and `calls`: records of the turn not stored yet. All are written
        in the same transaction as the message, so a turn's answer, the state it leaves the session in and what it
        spent and did are stored together or not at all (and nothing of it when the client id is taken).
        """
        message = Message(
            id=new_id(),
            account_id=session.account_id,
            session_id=session.id,
            turn_id=turn_id,
            role=role,
            text=text,
            model_messages=dump_messages(model_messages),
            client_message_id=client_message_id,
            error_code=error_code,
            error=error,
            created_at=utcnow(),
        )
        columns = {c.key: getattr(message, c.key) for c in Message.__table__.columns if c.key != "seq"}
        # One statement numbers and inserts the message: a Core insert, lighter than the ORM's unit of work.
        following = select(func.coalesce(func.max(Message.seq) + 1, 0)).where(Message.session_id == session.id)
        values: dict[str, Any] = {"updated_at": message.created_at}
        if status is not None:
            values["status"] = status
        if role == "user" and session.title is None and text.strip():
            values["title"] = " ".join(text.split())[:TITLE_LENGTH]
        try:
            async with self.db.engine.begin() as connection:
                await write_records(connection, session, turn_id=turn_id, requests=requests, calls=calls)
                inserted = insert(Message).values(**columns, seq=following.scalar_subquery()).returning(Message.seq)
                message.seq = (await connection.execute(inserted)).scalar_one()
                await connection.execute(update(Session).where(Session.id == session.id).values(**values))
        except IntegrityError as exc:
            if client_message_id is not None and "client_message_id" in str(exc.orig):
                raise DuplicateClientMessage(client_message_id) from exc
            raise
        if "title" in values:
            session.title = values["title"]
        return message

    async def message_by_client_id(self, session_id: str, client_message_id: str) -> Message | None:
        async with self.db.session() as s:
            query = select(Message).where(
                Message.session_id == session_id, Message.client_message_id == client_message_id
            )
            return (await s.scalars(query)).one_or_none()

    async def messages(self, session_id: str, *, turn_id: str | None = None) -> list[Message]:
        async with self.db.session() as s:
            query = select(Message).where(Message.session_id == session_id).order_by(Message.seq)
            if turn_id is not None:
                query = query.where(Message.turn_id == turn_id)
            return list(await s.scalars(query))

    async def model_history(self, session_id: str) -> list[ModelMessage]:
        """Everything the model has seen and said in the session, in order: the history to continue from."""
        return (await self.model_history_at(session_id))[1]

    async def model_history_at(self, session_id: str) -> tuple[int, list[ModelMessage]]:
        """The history as `model_history`, with the `seq` of the last message it includes (-1 for none)."""
        query = (
            select(Message.seq, Message.model_messages).where(Message.session_id == session_id).order_by(Message.seq)
        )
        async with self.db.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        history = load_messages([message for _, stored in rows for message in stored])  # one validation, not one a row
        return (rows[-1][0] if rows else -1), history

    # Model requests and tool calls

    async def record(
        self,
        session: Session,
        *,
        turn_id: str,
        requests: Sequence[RequestRecord] = (),
        calls: Sequence[CallRecord] = (),
    ) -> None:
        """Store a batch of a turn's records in one transaction (a call's later record updates its row)."""
        async with self.db.engine.begin() as connection:
            await write_records(connection, session, turn_id=turn_id, requests=requests, calls=calls)

    async def record_request(
        self,
        session: Session,
        *,
        turn_id: str,
        provider: str | None,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cost_usd: Decimal | None,
        latency_ms: float,
        error: str | None = None,
    ) -> None:
        """One model request on its own (a summary's); a turn's go in its batches instead."""
        record = RequestRecord(
            provider=provider,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost_usd,
            latency_ms=latency_ms,
            error=error,
        )
        await self.record(session, turn_id=turn_id, requests=[record])

    async def requests(self, session_id: str) -> list[LlmRequest]:
        async with self.db.session() as s:
            query = select(LlmRequest).where(LlmRequest.session_id == session_id).order_by(LlmRequest.id)
            return list(await s.scalars(query))

    async def record_tool_call(
        self,
        session: Session,
        *,
        turn_id: str,
        call_id: str,
        server: str,
        tool: str,
        args: dict[str, Any],
        outcome: Outcome,
        duration_ms: float | None = None,
        error: str | None = None,
    ) -> None:
        """Insert the call, or update it when it was stored before (held for approval, then run or denied)."""
        record = CallRecord(
            call_id=call_id,
            server=server,
            tool=tool,
            args=args,
            outcome=outcome,
            duration_ms=duration_ms,
            error=error,
        )
        await self.record(session, turn_id=turn_id, calls=[record])

    async def tool_calls(self, session_id: str, *, outcome: str | None = None) -> list[ToolCall]:
        async with self.db.session() as s:
            query = select(ToolCall).where(ToolCall.session_id == session_id).order_by(ToolCall.id)
            if outcome is not None:
                query = query.where(ToolCall.outcome == outcome)
            return list(await s.scalars(query))

    # Spending and usage

    async def spent(
        self,
        *,
        session_id: str | None = None,
        account: str | None = None,
        agent: str | None = None,
        since: datetime | None = None,
    ) -> Spent:
        """Requests, tokens and known cost over the rows matching every filter given."""
        query = select(
            func.count(LlmRequest.id),
            func.coalesce(func.sum(LlmRequest.input_tokens + LlmRequest.output_tokens), 0),
            func.coalesce(func.sum(LlmRequest.cost_usd), 0),
            func.coalesce(func.sum(case((LlmRequest.cost_usd.is_(None), 1), else_=0)), 0),
        )
        if session_id is not None:
            query = query.where(LlmRequest.session_id == session_id)
        if account is not None:
            query = query.where(LlmRequest.account_id == account)
        if agent is not None:
            query = query.where(LlmRequest.agent == agent)
        if since is not None:
            query = query.where(LlmRequest.created_at >= since)
        async with self.db.session() as s:
            requests, tokens, cost, unpriced = (await s.execute(query)).one()
        return Spent(int(requests), int(tokens), _decimal(cost), int(unpriced))

    async def usage(
        self, *, account: str | None = None, agent: str | None = None, since: datetime | None = None
    ) -> list[UsageRow]:
        """Model requests grouped by account, agent and model."""
        keys = (LlmRequest.account_id, LlmRequest.agent, LlmRequest.model)
        query = (
            select(
                *keys,
                func.count(LlmRequest.id),
                func.sum(case((LlmRequest.status == "error", 1), else_=0)),
                func.sum(LlmRequest.input_tokens),
                func.sum(LlmRequest.output_tokens),
                func.coalesce(func.sum(LlmRequest.cost_usd), 0),
                func.sum(case((LlmRequest.cost_usd.is_(None), 1), else_=0)),
            )
            .group_by(*keys)
            .order_by(*keys)
        )
        if account is not None:
            query = query.where(LlmRequest.account_id == account)
        if agent is not None:
            query = query.where(LlmRequest.agent == agent)
        if since is not None:
            query = query.where(LlmRequest.created_at >= since)
        async with self.db.session() as s:
            rows = (await s.execute(query)).all()
        return [
            UsageRow(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6]), _decimal(r[7]), int(r[8]))
            for r in rows
        ]
