"""Background ingest jobs: asyncio tasks owned by the running server, with progress, status and cancel.

Jobs live in the server process (an ingest is minutes of embedding, far longer than one tool call); the server's
lifespan cancels any that are still running when it stops. Finished jobs are kept for status calls, up to a limit.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from salient_core.db import utcnow
from salient_core.errors import InvalidInput, SalientError

from salient_library.errors import UnknownJob
from salient_library.ingest import Progress
from salient_library.schemas import IngestReport, Job, JobState

log = logging.getLogger(__name__)

KEEP_FINISHED = 200

Work = Callable[[Progress], Awaitable[IngestReport]]


@dataclass
class _Entry:
    id: str
    account: str
    collection: str
    started_at: datetime
    state: JobState = "queued"
    done: int = 0
    total: int = 0
    report: IngestReport = field(default_factory=IngestReport)
    error: str | None = None
    finished_at: datetime | None = None
    task: asyncio.Task[None] | None = None

    def view(self) -> Job:
        return Job(
            id=self.id,
            collection=self.collection,
            state=self.state,
            done=self.done,
            total=self.total,
            report=self.report,
            error=self.error,
            started_at=self.started_at,
            finished_at=self.finished_at,
        )


class Jobs:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def start(self, account: str, collection: str, total: int, work: Work) -> Job:
        entry = _Entry(f"job_{uuid.uuid4().hex[:12]}", account, collection, utcnow(), total=total)

        def progress(done: int, total: int) -> None:
            entry.done, entry.total = done, total

        async def run() -> None:
            entry.state = "running"
            try:
                entry.report = await work(progress)
                entry.state = "done"
            except asyncio.CancelledError:
                entry.state = "cancelled"
                raise
            except InvalidInput as exc:  # bad input found while working (a URL that fails): the caller's to fix
                log.info("ingest job %s refused: %s", entry.id, exc)
                entry.state, entry.error = "failed", str(exc)
            except SalientError as exc:  # the server's own problem (its embedding model missing): the operator's
                log.error("ingest job %s failed: %s", entry.id, exc)
                entry.state, entry.error = "failed", str(exc)
            except Exception as exc:  # a job's failure is reported through ingest_status, not lost in a task
                log.exception("ingest job %s failed", entry.id)
                entry.state, entry.error = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                entry.finished_at = utcnow()

        entry.task = asyncio.get_running_loop().create_task(run(), name=entry.id)
        self._entries[entry.id] = entry
        self._forget_old()
        return entry.view()

    def get(self, account: str, job_id: str) -> Job:
        return self._entry(account, job_id).view()

    async def wait(self, account: str, job_id: str) -> Job:
        entry = self._entry(account, job_id)
        if entry.task is not None:
            await asyncio.wait([entry.task])
        return entry.view()

    async def cancel(self, account: str, job_id: str) -> Job:
        entry = self._entry(account, job_id)
        if entry.task is not None and not entry.task.done():
            entry.task.cancel()
            await asyncio.wait([entry.task])
        return entry.view()

    async def cancel_all(self) -> None:
        running = [e.task for e in self._entries.values() if e.task is not None and not e.task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)

    def _entry(self, account: str, job_id: str) -> _Entry:
        entry = self._entries.get(job_id)
        if entry is None or entry.account != account:  # another account's job is as unknown as a missing one
            raise UnknownJob(job_id)
        return entry

    def _forget_old(self) -> None:
        finished = [e for e in self._entries.values() if e.finished_at is not None]
        for entry in sorted(finished, key=lambda e: e.started_at)[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._entries[entry.id]
