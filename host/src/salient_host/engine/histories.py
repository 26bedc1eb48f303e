"""Each held conversation's model history, kept parsed between its turns instead of reloaded from memory each turn.

Kept only while it is provably current: every message the engine stores returns its sequence number, and the held
history grows only when that number directly follows the last one it holds. A message stored by anyone else (another
host process, a summary) leaves a gap, and the history is then read from memory again. At most `max_held`
conversations are kept, the least recently used dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic_ai import ModelMessage

from salient_host.memory import Store


@dataclass
class Held:
    seq: int  # of the last message the history includes
    messages: list[ModelMessage]


class HeldHistories:
    def __init__(self, max_held: int = 64) -> None:
        self.max_held = max_held
        self._held: OrderedDict[str, Held] = OrderedDict()

    def stored(self, session_id: str, seq: int, messages: Sequence[ModelMessage]) -> None:
        """A message was stored with `seq` and these model messages: append them, or forget a history with a gap."""
        held = self._held.get(session_id)
        if held is None:
            return
        if held.seq + 1 != seq:
            del self._held[session_id]
            return
        held.seq = seq
        held.messages += messages

    async def load(self, store: Store, session_id: str) -> list[ModelMessage]:
        """The session's whole model history: the held one, else read from memory (and held from now on)."""
        held = self._held.get(session_id)
        if held is None:
            seq, messages = await store.model_history_at(session_id)
            held = self._held[session_id] = Held(seq, messages)
            while len(self._held) > self.max_held:
                self._held.popitem(last=False)
        self._held.move_to_end(session_id)
        return list(held.messages)  # a copy: a run appends to the list it is given
