"""The host's memory as the web admin view reads it (`web.admin_data.AdminData`): sessions, transcripts, usage."""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from salient_host.engine.events import ShownMessage, ShownToolCall
from salient_host.engine.transcript import session_info
from salient_host.memory.models import LlmRequest, Session
from salient_host.memory.store import Store, sessions_where
from salient_host.web.admin_data import SessionDetail, SessionPage, SessionSummary, UsageRow


def _cost(known: Decimal, unpriced: int) -> float | None:
    return None if unpriced else float(known)


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return max(0, int(base64.urlsafe_b64decode(cursor.encode()).decode()))
    except ValueError:
        return 0  # a cursor from elsewhere starts from the beginning rather than failing the page


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


class AdminView:
    """Operators' read-only view across accounts; every method reads the store, nothing writes."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def list_sessions(
        self,
        *,
        account: str | None = None,
        agent: str | None = None,
        search: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> SessionPage:
        offset = _offset(cursor)
        count = select(func.count(Session.id)).where(*sessions_where(account=account, agent=agent, search=search))
        async with self.store.db.session() as s:
            total = int(await s.scalar(count) or 0)
        found = await self.store.list_sessions(account=account, agent=agent, search=search, limit=limit, offset=offset)
        items = []
        for summary in found:
            calls = await self.store.tool_calls(summary.session.id)
            spent = await self.store.spent(session_id=summary.session.id)
            items.append(
                SessionSummary(
                    session=session_info(summary.session),
                    messages=summary.messages,
                    tool_calls=len(calls),
                    last_activity=summary.session.updated_at,
                    cost_usd=_cost(spent.cost_usd, spent.unpriced),
                )
            )
        following = offset + len(items)
        return SessionPage(
            items=items,
            total=total,
            next_cursor=_cursor(following) if following < total else None,
            previous_cursor=_cursor(max(0, offset - limit)) if offset > 0 else None,
            start=offset,
        )

    async def session_detail(self, session_id: str) -> SessionDetail | None:
        session = await self.store.get_session(session_id, account=None)
        if session is None:
            return None
        calls: dict[str, list[ShownToolCall]] = defaultdict(list)
        for call in await self.store.tool_calls(session.id):
            calls[call.turn_id].append(
                ShownToolCall(
                    call_id=call.call_id,
                    server=call.server,
                    tool=call.tool,
                    args=dict(call.args or {}),
                    duration_ms=call.duration_ms,
                    outcome=call.outcome,  # type: ignore[arg-type]  # the column holds only ShownToolCall's outcomes
                )
            )
        messages = []
        for message in await self.store.messages(session.id):
            if message.role == "user":
                messages.append(
                    ShownMessage(id=message.id, role="user", text=message.text, created_at=message.created_at)
                )
            elif message.role == "assistant" and (message.text or calls.get(message.turn_id)):
                messages.append(
                    ShownMessage(
                        id=message.id,
                        role="assistant",
                        text=message.text,
                        created_at=message.created_at,
                        tool_calls=calls.pop(message.turn_id, []),
                    )
                )
        requests = await self.store.requests(session.id)
        unpriced = sum(1 for r in requests if r.cost_usd is None)
        known = sum((r.cost_usd for r in requests if r.cost_usd is not None), Decimal(0))
        return SessionDetail(
            session=session_info(session),
            messages=messages,
            input_tokens=sum(r.input_tokens for r in requests),
            output_tokens=sum(r.output_tokens for r in requests),
            cost_usd=_cost(known, unpriced),
        )

    async def usage(self, *, since: datetime | None = None) -> list[UsageRow]:
        keys = (LlmRequest.account_id, LlmRequest.agent)
        query = (
            select(
                *keys,
                func.count(func.distinct(LlmRequest.session_id)),
                func.count(LlmRequest.id),
                func.sum(LlmRequest.input_tokens),
                func.sum(LlmRequest.output_tokens),
                func.coalesce(func.sum(LlmRequest.cost_usd), 0),
                func.count(LlmRequest.id) - func.count(LlmRequest.cost_usd),
            )
            .group_by(*keys)
            .order_by(*keys)
        )
        if since is not None:
            query = query.where(LlmRequest.created_at >= since)
        async with self.store.db.session() as s:
            rows = (await s.execute(query)).all()
        return [
            UsageRow(
                account=r[0],
                agent=r[1],
                sessions=int(r[2]),
                requests=int(r[3]),
                input_tokens=int(r[4] or 0),
                output_tokens=int(r[5] or 0),
                cost_usd=_cost(Decimal(str(r[6])), int(r[7])),
            )
            for r in rows
        ]
