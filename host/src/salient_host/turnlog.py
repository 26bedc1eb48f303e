"""The events of one turn, kept in order so any number of followers can read them live or catch up later.

The turn's task appends; followers (an SSE stream, a terminal, a retry after a dropped connection) read from the
sequence number after the last one they saw. Appending never waits for a follower, so a slow or vanished client
cannot hold a turn up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from salient_host.events import TurnEvent, TurnFailed, TurnFinished


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
