"""The host's tables: sessions, their messages, what each turn spent (model requests) and did (tool calls), and
the leases that let one host replica at a time do work such as the summary sweep.

Every row carries `account_id`, so a session scoped to one account never reads another's rows. Messages keep
both what a person sees (`text`) and what the model saw (`model_messages`, pydantic-ai's JSON form), so a resumed
session replays instructions and tool history exactly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = String(32)
# Costs of single requests are fractions of a cent: ten decimal places keep sums exact.
Usd = Numeric(20, 10)


class HostBase(DeclarativeBase):
    metadata = new_metadata()


class Session(AccountOwned, HostBase):
    __tablename__ = "host_sessions"
    __table_args__ = (
        Index("ix_host_sessions_account_id_updated_at", "account_id", "updated_at"),
        Index("ix_host_sessions_agent_updated_at", "agent", "updated_at"),  # the summary sweep's scan
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    origin: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # active | awaiting_approval (the last turn holds destructive calls until someone decides)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(AccountOwned, HostBase):
    """One message of a session; `seq` orders them, and the concatenated `model_messages` are the model's history."""

    __tablename__ = "host_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        # A client retrying a send with the same id must find the first one, never store the message twice.
        UniqueConstraint("session_id", "client_message_id"),
    )

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("host_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    turn_id: Mapped[str] = mapped_column(Id, index=True)
    role: Mapped[str] = mapped_column(String(20))  # user | assistant
    text: Mapped[str] = mapped_column(Text, default="")
    model_messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    client_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # Set on the assistant row of a turn that ended without an answer (TurnFailed's code and message).
    error_code: Mapped[str | None] = mapped_column(String(40), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LlmRequest(AccountOwned, HostBase):
    """One request to a model: who asked, what it cost, how long it took, whether it worked."""

    __tablename__ = "host_llm_requests"
    __table_args__ = (
        Index("ix_host_llm_requests_account_id_created_at", "account_id", "created_at"),
        Index("ix_host_llm_requests_agent_created_at", "agent", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("host_sessions.id", ondelete="CASCADE"), index=True)
    turn_id: Mapped[str] = mapped_column(Id)
    agent: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(100), default=None)
    model: Mapped[str] = mapped_column(String(200))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[Decimal | None] = mapped_column(Usd, default=None)  # None: the price is unknown, not zero
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10), default="ok")  # ok | error
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ToolCall(AccountOwned, HostBase):
    """One tool call a model asked for: run, failed, held for approval, or denied. Arguments are redacted."""

    __tablename__ = "host_tool_calls"
    __table_args__ = (UniqueConstraint("session_id", "call_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("host_sessions.id", ondelete="CASCADE"))
    turn_id: Mapped[str] = mapped_column(Id)
    call_id: Mapped[str] = mapped_column(String(200))
    server: Mapped[str] = mapped_column(String(64))
    tool: Mapped[str] = mapped_column(String(128))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[float | None] = mapped_column(Float, default=None)
    # running (stored before the call is made) | ok | error | awaiting_approval | denied
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Lease(HostBase):
    """Work that one host replica at a time may do (the summary sweep): who holds it and until when."""

    __tablename__ = "host_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
