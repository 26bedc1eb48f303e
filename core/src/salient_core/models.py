"""Tables that belong to core itself (present in every server's database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from salient_core.db import UTCDateTime, new_metadata, utcnow


class CoreBase(DeclarativeBase):
    metadata = new_metadata()


class ApiToken(CoreBase):
    """A bearer token for HTTP clients. Only its SHA-256 digest is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuditEntry(CoreBase):
    """One call of a write tool: who made it (token, JWT subject, or the local stdio user), with what, and how it
    ended. Arguments are stored with secrets redacted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_account_id_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    account_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    tool: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[str | None] = mapped_column(String(200), default=None)  # None: the local user over stdio
    subject: Mapped[str | None] = mapped_column(String(200), default=None)  # a JWT's `sub`
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))  # "ok", "error" or "refused"
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer)
