"""The turns running in one host process: each a task of its own under its session's lock, stoppable, findable again.

Turns of one session run one after another (the lock), turns of different sessions side by side. A turn's task goes
on when the stream that asked for it goes away; its events stay in its TurnLog for whoever follows it, found by the
client message that started it (the last `keep` finished turns are kept). Stopping a turn cancels its task; the stop
is then stored under the lock, so it stays before the session's next message.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from salient_host.engine.events import TurnFailed
from salient_host.engine.turn import Turn
from salient_host.engine.turnlog import TurnLog

log = logging.getLogger(__name__)

STOPPED = "Stopped at your request. Send a message to go on."


class RunningTurns:
    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self._logs: OrderedDict[str, TurnLog] = OrderedDict()
        self._by_client: dict[tuple[str, str], str] = {}  # (session id, client message id) -> turn id
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._task_of: dict[str, asyncio.Task[None]] = {}  # turn id -> its task, while it runs
        self._stopping: set[str] = set()  # turns a person asked to stop (not the host closing)

    def lock_for(self, session_id: str) -> asyncio.Lock:
        """One session's lock: its turns (and its summary) run one at a time."""
        return self._locks.setdefault(session_id, asyncio.Lock())

    def by_client(self, session_id: str, client_message_id: str) -> TurnLog | None:
        """The turn this process started for the client message, if it still knows it."""
        turn_id = self._by_client.get((session_id, client_message_id))
        return self._logs[turn_id] if turn_id is not None else None

    def start(self, turn: Turn, client_message_id: str, body: Callable[[Turn], Awaitable[None]]) -> None:
        """Run `body(turn)` as a task of its own: the caller's stream may go away, the turn goes on."""
        self._logs[turn.id] = turn.log
        self._by_client[(turn.session.id, client_message_id)] = turn.id
        task = asyncio.create_task(self._drive(turn, body), name=f"turn {turn.id}")
        self._tasks.add(task)
        self._task_of[turn.id] = task
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._task_of.pop(turn.id, None))

    def stop(self, session_id: str) -> bool:
        """Stop the session's running (or queued) turns; each ends with TurnFailed `stopped`, stored as such."""
        running = [t.turn_id for t in self._logs.values() if t.session_id == session_id and not t.done]
        for turn_id in running:
            task = self._task_of.get(turn_id)
            if task is not None and not task.done():
                self._stopping.add(turn_id)
                task.cancel()
        return bool(running)

    async def wait_idle(self) -> None:
        """Wait until every running turn has ended."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel_all(self) -> None:
        """Stop every turn as the host closing does (each ends with TurnFailed `internal`) and wait for them."""
        for task in list(self._tasks):
            task.cancel()
        await self.wait_idle()

    async def _drive(self, turn: Turn, body: Callable[[Turn], Awaitable[None]]) -> None:
        try:
            async with self.lock_for(turn.session.id):
                try:
                    await body(turn)
                except asyncio.CancelledError:
                    if turn.id not in self._stopping or turn.log.done:
                        raise
                    current = asyncio.current_task()
                    if current is not None:
                        current.uncancel()  # the stop is handled here; the task goes on to store it
                    # A person stopped it: what the turn got to is dropped, the stop is stored (under the lock,
                    # so it stays before the session's next message).
                    await turn.fail("stopped", STOPPED)
        except asyncio.CancelledError:
            if turn.id in self._stopping:  # stopped while it waited for an earlier turn: nothing ran
                if not turn.log.done:
                    turn.log.emit(TurnFailed, code="stopped", message=STOPPED)
                return
            if not turn.log.done:
                turn.log.emit(TurnFailed, code="internal", message="The host stopped during this turn.")
            raise
        except Exception:
            log.exception("turn %s could not be run", turn.id)
            if not turn.log.done:
                turn.log.emit(TurnFailed, code="internal", message="Internal error; the host's log has the details.")
        finally:
            self._stopping.discard(turn.id)
            if not turn.log.done:  # a body that returned without ending its turn is a bug; followers must not hang
                turn.log.emit(TurnFailed, code="internal", message="The turn ended without an outcome.")
            self._forget_old()

    def _forget_old(self) -> None:
        finished = [turn_id for turn_id, t in self._logs.items() if t.done]
        for turn_id in finished[: max(0, len(finished) - self.keep)]:
            del self._logs[turn_id]
        if len(self._by_client) > len(self._logs):
            self._by_client = {k: v for k, v in self._by_client.items() if v in self._logs}
