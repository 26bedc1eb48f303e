"""The outbox's tables: one row per message to one recipient, and the addresses that asked us to stop.

A delivery's life: `queued` -> `sending` (claimed by a worker, until `next_attempt_at`, its lease) -> `sent`, or
back to `queued` with a later `next_attempt_at` after a transient failure, or `failed` for good. `suppressed`
means the recipient had opted out, so nothing was sent. The composed message is kept (`mime`), so every retry
sends the very same bytes, Message-ID included.
"""

from __future__ import annotations

from datetime import datetime

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PENDING = ("queued", "sending")  # a worker may claim these once next_attempt_at has passed


class Base(DeclarativeBase):
    metadata = new_metadata()


class Delivery(AccountOwned, Base):
    __tablename__ = "host_mail_deliveries"
    __table_args__ = (
        Index("ix_host_mail_deliveries_due", "status", "next_attempt_at"),
        Index("ix_host_mail_deliveries_session", "account_id", "session_id"),
        # The same idempotency key twice (an inactivity timer and a visitor's request racing) makes one message.
        UniqueConstraint("account_id", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))  # the normalised address; the To header has the name
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OptOut(AccountOwned, Base):
    __tablename__ = "host_mail_opt_outs"
    __table_args__ = (UniqueConstraint("account_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))  # normalised
    source: Mapped[str] = mapped_column(String(40))  # one_click | confirm_page | api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
