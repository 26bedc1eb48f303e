"""A turn's records of model requests and tool calls, as values, and how a batch of them is written.

The turn (engine/records.py) collects them and hands them to the Store in batches, so a model step's request and the
tool calls it asks for are one transaction, and a turn's last records share the commit of its answer. Core inserts,
not the ORM's unit of work: these are append-only rows nobody reads back in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from salient_core.db import utcnow
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from salient_host.memory.models import LlmRequest, Session, ToolCall

# `running`: stored before the call is made, so a process that dies during the call leaves it so.
Outcome = Literal["running", "ok", "error", "awaiting_approval", "denied"]


@dataclass(frozen=True, kw_only=True)
class RequestRecord:
    """One model request: what it cost and how long it took (`error` when it failed)."""

    provider: str | None
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal | None  # None: the price is unknown, not zero
    latency_ms: float
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """One tool call as it stands now; a later record of the same `call_id` updates the stored one."""

    call_id: str
    server: str
    tool: str
    outcome: Outcome
    args: dict[str, Any] = field(default_factory=dict[str, Any])  # redacted; an update keeps the stored ones
    duration_ms: float | None = None
    error: str | None = None


async def write_records(
    connection: AsyncConnection,
    session: Session,
    *,
    turn_id: str,
    requests: Sequence[RequestRecord] = (),
    calls: Sequence[CallRecord] = (),
) -> None:
    """Insert the requests and upsert the calls (in the caller's transaction), one statement for each kind."""
    if requests:
        now = utcnow()
        await connection.execute(
            insert(LlmRequest),
            [
                {
                    "account_id": session.account_id,
                    "session_id": session.id,
                    "turn_id": turn_id,
                    "agent": session.agent,
                    "provider": r.provider,
                    "model": r.model,
                    "input_tokens": r.input_tokens,
                    "output_tokens": r.output_tokens,
                    "cost_usd": r.cost_usd,
                    "latency_ms": r.latency_ms,
                    "status": "error" if r.error else "ok",
                    "error": r.error,
                    "created_at": now,
                }
                for r in requests
            ],
        )
    for call in _latest(calls):
        # One upsert per call on its unique key: held for approval, then run or denied, is one row.
        # (Not executemany: SQLite's upsert then repeats per row anyway, and a step has a call or two.)
        upsert = sqlite.insert if connection.dialect.name == "sqlite" else postgresql.insert
        statement = upsert(ToolCall).values(
            account_id=session.account_id,
            session_id=session.id,
            turn_id=turn_id,
            call_id=call.call_id,
            server=call.server,
            tool=call.tool,
            args=call.args,
            outcome=call.outcome,
            duration_ms=call.duration_ms,
            error=call.error,
            created_at=utcnow(),
        )
        await connection.execute(
            statement.on_conflict_do_update(
                index_elements=[ToolCall.session_id, ToolCall.call_id],
                set_={"outcome": call.outcome, "duration_ms": call.duration_ms, "error": call.error},
            )
        )


def _latest(calls: Sequence[CallRecord]) -> list[CallRecord]:
    """One record per call, in first-seen order, as it stands last."""
    return list({call.call_id: call for call in calls}.values())
