"""A running turn's records (model requests and tool calls), committed in as few transactions as its guarantees allow.

The guarantees, and the commits they cost:

- a tool call's record is committed before the call is made (outcome `running`), so a process that dies during the
  call leaves a trace of it: the call waits for `commit`, which takes every record collected so far with it (the
  model request that asked for the call, the calls of the step before), one transaction per model step;
- a turn is wholly stored or recognisably incomplete: its answer (or failure) is committed in one transaction with
  every record not committed yet (`take`), so a stored answer means every record of its turn is stored, and a turn
  without one was cut off;
- a budget that reads what memory says was spent sees the turn's own requests (`commit` before it reads).

Commits are grouped: one asked for while another is being written waits for it, then writes everything collected
meanwhile in one transaction, so calls started side by side share commits instead of queueing one each.
"""

from __future__ import annotations

import asyncio

from salient_host.memory import Store
from salient_host.memory.models import Session
from salient_host.memory.records import CallRecord, RequestRecord


class TurnRecords:
    def __init__(self, store: Store, session: Session, turn_id: str) -> None:
        self.store = store
        self.session = session
        self.turn_id = turn_id
        self._requests: list[RequestRecord] = []
        self._calls: list[CallRecord] = []
        self._writing: asyncio.Future[None] | None = None

    def add(self, record: RequestRecord | CallRecord) -> None:
        """Collect a record; it is stored by the next `commit`, or with the turn's answer."""
        if isinstance(record, RequestRecord):
            self._requests.append(record)
        else:
            self._calls.append(record)

    def take(self) -> tuple[list[RequestRecord], list[CallRecord]]:
        """The records not handed to a commit yet, for the transaction that stores the turn's answer."""
        requests, calls = self._requests, self._calls
        self._requests, self._calls = [], []
        return requests, calls

    async def commit(self) -> None:
        """Return once every record collected before this call is committed; raise if its write failed."""
        while True:
            writing = self._writing
            if writing is not None:
                try:
                    await asyncio.shield(writing)  # what was collected meanwhile goes in the next write
                finally:
                    if self._writing is writing and writing.done():  # (its done callback may not have run yet)
                        self._writing = None
                continue
            if not (self._requests or self._calls):
                return
            requests, calls = self.take()
            write = asyncio.ensure_future(
                self.store.record(self.session, turn_id=self.turn_id, requests=requests, calls=calls)
            )
            self._writing = write
            write.add_done_callback(self._written)
            try:
                await asyncio.shield(write)
            finally:
                if self._writing is write and write.done():
                    self._writing = None
            return

    async def settle(self) -> None:
        """Wait for a write under way (a turn cut off still leaves its records consistent); its errors are not ours."""
        if self._writing is not None:
            await asyncio.wait([self._writing])

    def _written(self, write: asyncio.Future[None]) -> None:
        if self._writing is write:
            self._writing = None
        if not write.cancelled():
            write.exception()  # retrieved here: the waiters raise it, and none may be left to
