"""The outbox repository: queue, claim, settle deliveries, and keep opt-outs; each method is one transaction.

Claiming is the one lock: a single `UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING` moves due rows to
`sending`, stamps them with a fresh claim token and pushes `next_attempt_at` out by the lease. On PostgreSQL the
inner select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers split the due rows between them without
waiting; SQLite runs the statement under its single write lock. Either way a row is claimed by one worker at a
time, and a worker can only settle a row while it still holds the token it claimed it with: once its lease has
run out and another worker has re-claimed the row, its late result is ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from salient_core.db import Database
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salient_host.mail.models import PENDING, Delivery, OptOut


@dataclass(frozen=True)
class DeliveryInfo:
    """A delivery record as callers see it (no message body)."""

    id: int
    account: str
    session_id: str | None
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    provider_id: str | None
    message_id: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: Delivery) -> DeliveryInfo:
        return cls(
            id=row.id,
            account=row.account_id,
            session_id=row.session_id,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            provider_id=row.provider_id,
            message_id=row.message_id,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds until `lease_until`; settle it with the same object."""

    id: int
    account: str
    recipient: str
    attempts: int  # this attempt's number, 1 for the first
    mime: str
    token: str
    lease_until: datetime


@dataclass(frozen=True)
class NewDelivery:
    session_id: str | None
    kind: str
    recipient: str  # normalised
    subject: str
    message_id: str
    mime: str
    idempotency_key: str | None = None


class Outbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- queueing -----------------------------------------------------------------------------------------

    async def add(self, account: str, new: NewDelivery, *, now: datetime) -> DeliveryInfo:
        """Record a message to send: `queued`, or `suppressed` when the recipient opted out.

        With an idempotency key already used in this account, nothing is added and the first record is returned.
        """
        try:
            async with self.db.transaction(account=account) as session:
                if new.idempotency_key is not None:
                    existing = await self._by_key(session, account, new.idempotency_key)
                    if existing is not None:
                        return DeliveryInfo.of(existing)
                opted_out = await self._opted_out(session, account, new.recipient)
                row = Delivery(
                    account_id=account,
                    session_id=new.session_id,
                    kind=new.kind,
                    recipient=new.recipient,
                    subject=new.subject,
                    status="suppressed" if opted_out else "queued",
                    attempts=0,
                    last_error="the recipient has unsubscribed" if opted_out else None,
                    next_attempt_at=now,
                    message_id=new.message_id,
                    idempotency_key=new.idempotency_key,
                    mime=new.mime,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                await session.flush()
                return DeliveryInfo.of(row)
        except IntegrityError:
            if new.idempotency_key is None:
                raise
            # Another caller inserted the same key between our check and our insert: theirs is the record.
            async with self.db.session(account=account) as session:
                existing = await self._by_key(session, account, new.idempotency_key)
                if existing is None:
                    raise
                return DeliveryInfo.of(existing)

    # -- the worker's side --------------------------------------------------------------------------------

    async def claim(self, *, now: datetime, limit: int, lease: timedelta) -> list[Claim]:
        """Take up to `limit` due deliveries (queued and due, or sending with an expired lease) for one worker."""
        token = uuid.uuid4().hex
        lease_until = now + lease
        due = (
            select(Delivery.id)
            .where(Delivery.status.in_(PENDING), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        if not self.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(Delivery)
            # The conditions again: a row settled after the subquery picked it must not be claimed.
            .where(Delivery.id.in_(due), Delivery.status.in_(PENDING), Delivery.next_attempt_at <= now)
            .values(
                status="sending",
                claim_token=token,
                attempts=Delivery.attempts + 1,
                next_attempt_at=lease_until,
                updated_at=now,
            )
            .returning(Delivery.id, Delivery.account_id, Delivery.recipient, Delivery.attempts, Delivery.mime)
            .execution_options(synchronize_session=False)
        )
        async with self.db.transaction() as session:
            rows = (await session.execute(statement)).all()
        return sorted(
            (Claim(row[0], row[1], row[2], row[3], row[4], token, lease_until) for row in rows), key=lambda c: c.id
        )

    async def mark_sent(self, claim: Claim, *, now: datetime, provider_id: str | None) -> bool:
        return await self._settle(
            claim, status="sent", sent_at=now, provider_id=provider_id, last_error=None, updated_at=now
        )

    async def mark_retry(self, claim: Claim, *, now: datetime, at: datetime, error: str) -> bool:
        return await self._settle(claim, status="queued", next_attempt_at=at, last_error=error[:2000], updated_at=now)

    async def mark_failed(self, claim: Claim, *, now: datetime, error: str) -> bool:
        return await self._settle(claim, status="failed", last_error=error[:2000], updated_at=now)

    async def mark_suppressed(self, claim: Claim, *, now: datetime) -> bool:
        return await self._settle(
            claim, status="suppressed", last_error="the recipient has unsubscribed", updated_at=now
        )

    async def _settle(self, claim: Claim, **values: Any) -> bool:
        """Apply the outcome if this claim still holds the row; False when its lease was lost to another worker."""
        statement = (
            update(Delivery)
            .where(Delivery.id == claim.id, Delivery.claim_token == claim.token, Delivery.status == "sending")
            .values(claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )
        async with self.db.transaction() as session:
            result = await session.execute(statement)
        return getattr(result, "rowcount", 0) == 1

    # -- opt-outs -----------------------------------------------------------------------------------------

    async def is_opted_out(self, account: str, address: str) -> bool:
        async with self.db.session(account=account) as session:
            return await self._opted_out(session, account, address)

    async def opt_out(self, account: str, address: str, *, source: str, now: datetime) -> bool:
        """Record that `address` wants no more mail from `account`; True if new. Queued mail to it is suppressed."""
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(OptOut)
            .values(account_id=account, address=address, source=source, created_at=now)
            .on_conflict_do_nothing(index_elements=["account_id", "address"])
        )
        async with self.db.transaction(account=account) as session:
            result = await session.execute(statement)
            await session.execute(
                update(Delivery)
                .where(Delivery.account_id == account, Delivery.recipient == address, Delivery.status == "queued")
                .values(status="suppressed", last_error="the recipient has unsubscribed", updated_at=now)
                .execution_options(synchronize_session=False)
            )
        return getattr(result, "rowcount", 0) == 1

    # -- reading ------------------------------------------------------------------------------------------

    async def get(self, account: str, delivery_id: int) -> DeliveryInfo | None:
        async with self.db.session(account=account) as session:
            row = await session.scalar(
                select(Delivery).where(Delivery.account_id == account, Delivery.id == delivery_id)
            )
            return DeliveryInfo.of(row) if row else None

    async def list_for(self, account: str, *, session_id: str | None = None) -> Sequence[DeliveryInfo]:
        """The account's deliveries, oldest first; only one conversation's with `session_id`."""
        query = select(Delivery).where(Delivery.account_id == account)
        if session_id is not None:
            query = query.where(Delivery.session_id == session_id)
        async with self.db.session(account=account) as session:
            rows = (await session.scalars(query.order_by(Delivery.id))).all()
        return [DeliveryInfo.of(row) for row in rows]

    async def count_to(self, account: str, address: str, *, kind: str, since: datetime) -> int:
        """How many `kind` deliveries to `address` were queued since `since` (suppressed ones not counted)."""
        query = select(func.count(Delivery.id)).where(
            Delivery.account_id == account,
            Delivery.recipient == address,
            Delivery.kind == kind,
            Delivery.created_at >= since,
            Delivery.status != "suppressed",
        )
        async with self.db.session(account=account) as session:
            return int(await session.scalar(query) or 0)

    @staticmethod
    async def _by_key(session: AsyncSession, account: str, key: str) -> Delivery | None:
        return await session.scalar(
            select(Delivery).where(Delivery.account_id == account, Delivery.idempotency_key == key)
        )

    @staticmethod
    async def _opted_out(session: AsyncSession, account: str, address: str) -> bool:
        found = await session.scalar(
            select(OptOut.id).where(OptOut.account_id == account, OptOut.address == address).limit(1)
        )
        return found is not None
