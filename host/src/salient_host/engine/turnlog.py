"""The events of one turn, kept in order so any number of followers can read them live or catch up later.

The turn's task appends; followers (an SSE stream, a terminal, a retry after a dropped connection) read from the
sequence number after the last one they saw. Appending never waits for a follower, so a slow or vanished client
cannot hold a turn up. A turn of an earlier process is told again from what memory holds (`replay`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, cast

from salient_host.engine.events import ApprovalRequested, FailureCode, TextDelta, TurnEvent, TurnFailed, TurnFinished
from salient_host.memory import Store
from salient_host.memory.models import Message, Session


class TurnLog:
    def __init__(self, turn_id: str, session_id: str) -> None:
        self.turn_id = turn_id
        self.session_id = session_id
        self.events: list[TurnEvent] = []
        self._wake = asyncio.Event()

    @property
    def done(self) -> bool:
        return bool(self.events) and isinstance(self.events[-1], TurnFinished | TurnFailed)

    def emit(self, kind: type[TurnEvent], **fields: Any) -> TurnEvent:
        """Append an event of `kind` with the next sequence number and wake every follower."""
        if self.done:
            raise RuntimeError(f"turn {self.turn_id} has ended; nothing more may be emitted")
        event = kind(turn_id=self.turn_id, seq=len(self.events), **fields)
        self.events.append(event)
        self._wake.set()
        self._wake = asyncio.Event()
        return event

    async def follow(self, after_seq: int = -1) -> AsyncIterator[TurnEvent]:
        """Events with `seq > after_seq`, as they come, until the turn has ended."""
        position = max(after_seq + 1, 0)
        while True:
            while position < len(self.events):
                yield self.events[position]
                position += 1
            if self.done:
                return
            await self._wake.wait()


INTERRUPTED = "This turn did not finish (the host stopped while it ran). Your message is saved; send another to go on."


async def replay(store: Store, session: Session, turn_id: str) -> TurnLog:
    """A turn from an earlier process (or forgotten here), told again from what memory holds."""
    turn_log = TurnLog(turn_id, session.id)
    rows: list[Message] = await store.messages(session.id, turn_id=turn_id)
    answer = next((m for m in rows if m.role == "assistant"), None)
    if answer is None:
        turn_log.emit(TurnFailed, code="internal", message=INTERRUPTED)
    elif answer.error_code:
        turn_log.emit(TurnFailed, code=cast(FailureCode, answer.error_code), message=answer.error or "")
    else:
        if answer.text:
            turn_log.emit(TextDelta, text=answer.text)
        held = [c for c in await store.tool_calls(session.id, outcome="awaiting_approval") if c.turn_id == turn_id]
        for call in held:
            turn_log.emit(
                ApprovalRequested,
                call_id=call.call_id,
                server=call.server,
                tool=call.tool,
                args=dict(call.args or {}),
                reason=f"{call.server}.{call.tool} can change or delete data",
            )
        requests = [r for r in await store.requests(session.id) if r.turn_id == turn_id]
        known = [r.cost_usd for r in requests if r.cost_usd is not None]
        turn_log.emit(
            TurnFinished,
            message_id=answer.id,
            output=None if held else answer.text,
            input_tokens=sum(r.input_tokens for r in requests),
            output_tokens=sum(r.output_tokens for r in requests),
            cost_usd=float(sum(known, Decimal(0))) if len(known) == len(requests) else None,
        )
    return turn_log
