"""The inactivity sweep: the summary of every conversation that has gone quiet and left the visitor's address.

`salient up` runs it (through `background`) as often as the shortest `inactivity_minutes` needs, at most every
minute. A conversation it is done with (summarised, or no address to send to) is not read again until it changes;
a summary that fails is retried with a backoff, since every try may cost a model request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from salient_core.db import utcnow
from sqlalchemy import select

from salient_host.config.schema import Config, Summaries
from salient_host.mail import Mailer
from salient_host.memory import Store
from salient_host.memory.models import Session
from salient_host.summaries.facts import history_facts
from salient_host.summaries.lease import SWEEP_LEASE, DatabaseLease
from salient_host.summaries.result import SUMMARY_ROLE, SummaryError, SummaryResult, SummaryUnavailable

log = logging.getLogger(__name__)

# Sessions quiet for longer than this are never summarised by the sweep (e.g. after summaries are first enabled).
SWEEP_HORIZON = timedelta(days=7)
FIRST_RETRY_DELAY = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=6)
# The sweep's lease lasts three rounds, at least this long: a holder that died is replaced within minutes.
LEASE_MIN_S = 120.0


@dataclass(frozen=True)
class Settled:
    """A session the sweep is done with until it changes (`updated_at`) or, after a failure, until `retry_at`."""

    updated_at: datetime
    retry_at: datetime | None = None
    failures: int = 0


class Summarizing(Protocol):
    """What the sweep needs of the summarizer that owns it (summarizer.py)."""

    config: Config
    store: Store
    mailer: Mailer
    lock_for: Callable[[str], asyncio.Lock]

    def settings(self, agent: str) -> Summaries | None: ...

    async def summarize(self, session: Session, *, visitor_email: str | None = None) -> SummaryResult: ...

    async def sweep(self, now: datetime | None = None) -> list[SummaryResult]: ...


class InactivitySweep:
    """The sweep of one `Summarizer`, with what it remembers between rounds."""

    def __init__(self, summarizer: Summarizing) -> None:
        self.summarizer = summarizer
        # Sessions the sweep looked at and found nothing to do for, until they change: it need not read them again.
        self._settled: dict[str, Settled] = {}

    async def run(self, now: datetime | None = None) -> list[SummaryResult]:
        """Summarise every conversation quiet for its agent's `inactivity_minutes` that has a visitor's address.

        `now` (default: the clock) lets a caller, or a test, say what time it is. Safe to run often: a session
        already summarised since its visitor's last message is skipped, and sessions without an address are too.
        """
        now = now or utcnow()
        sent: list[SummaryResult] = []
        swept: set[str] = set()
        for agent in self.summarizer.config.agents:
            settings = self.summarizer.settings(agent)
            if settings is None or settings.inactivity_minutes is None:
                continue
            quiet_since = now - timedelta(minutes=settings.inactivity_minutes)
            async with self.summarizer.store.db.session() as s:
                query = select(Session).where(
                    Session.agent == agent, Session.updated_at <= quiet_since, Session.updated_at >= now - SWEEP_HORIZON
                )
                sessions = list(await s.scalars(query))
            for session in sessions:
                swept.add(session.id)
                if not self._due(session, now):
                    continue
                async with self.summarizer.lock_for(session.id):
                    result = await self._sweep_one(session, settings, quiet_since, now)
                if result is not None:
                    sent.append(result)
        # Sessions past the horizon (or gone) need no memory here any more.
        self._settled = {key: value for key, value in self._settled.items() if key in swept}
        return sent

    def _due(self, session: Session, now: datetime) -> bool:
        """Whether the sweep must look at `session`: it changed since it was settled, or its retry time came."""
        settled = self._settled.get(session.id)
        if settled is None or settled.updated_at != session.updated_at:
            return True
        return settled.retry_at is not None and now >= settled.retry_at

    def _settle(self, session: Session, *, retry_after: timedelta | None = None, now: datetime) -> None:
        failures = self._settled[session.id].failures + 1 if retry_after and session.id in self._settled else 0
        delay = retry_after * 2**failures if retry_after else None
        retry_at = now + min(delay, MAX_RETRY_DELAY) if delay else None
        self._settled[session.id] = Settled(session.updated_at, retry_at, failures)

    async def _sweep_one(
        self, session: Session, settings: Summaries, quiet_since: datetime, now: datetime
    ) -> SummaryResult | None:
        stored = await self.summarizer.store.messages(session.id)
        spoken = [m for m in stored if m.role in ("user", "assistant")]
        if not spoken or spoken[-1].created_at > quiet_since:
            return None  # not quiet long enough yet: looked at again next time
        if stored[-1].role == SUMMARY_ROLE:
            self._settle(session, now=now)
            return None
        servers = list(self.summarizer.config.agents[session.agent].servers)
        facts = history_facts(await self.summarizer.store.model_history(session.id), servers, settings)
        if not facts.contact_email:
            self._settle(session, now=now)  # no address (or no consent to record one): nothing until it changes
            return None
        try:
            result = await self.summarizer.summarize(session, visitor_email=facts.contact_email)
        except SummaryUnavailable as exc:
            log.warning("no summary for session %s yet: %s; retrying later", session.id, exc)
            self._settle(session, retry_after=FIRST_RETRY_DELAY, now=now)
            return None
        except SummaryError as exc:
            log.warning("no summary for session %s: %s", session.id, exc)
            self._settle(session, now=now)
            return None
        except Exception:  # one conversation's failure must not stop the others'
            log.exception("summary of session %s failed; retrying later", session.id)
            # Each try may cost a model request: back off (5 min, doubling, at most 6 h) instead of every sweep.
            self._settle(session, retry_after=FIRST_RETRY_DELAY, now=now)
            return None
        self._settle(session, now=now)
        return result if result.status == "queued" else None


async def background(summarizer: Summarizing, *, every: float | None = None) -> None:
    """Deliver queued mail and sweep for quiet conversations until cancelled (what `salient up` runs).

    The sweep runs `every` seconds; by default every minute, or twice per the shortest `inactivity_minutes` of
    the agents when that is shorter, so a summary is never more than half a period late.
    """
    if every is None:
        periods = [
            settings.inactivity_minutes * 60
            for agent in summarizer.config.agents
            if (settings := summarizer.settings(agent)) is not None and settings.inactivity_minutes is not None
        ]
        every = min([60.0, *(period / 2 for period in periods)])
    # Of several host replicas on one database, only the lease's holder sweeps; the others take over if it dies.
    lease = DatabaseLease(summarizer.store.db, SWEEP_LEASE, ttl=timedelta(seconds=max(LEASE_MIN_S, 3 * every)))
    worker = asyncio.create_task(summarizer.mailer.run(), name="mail worker")
    try:
        while True:
            try:
                if await lease.take():
                    await summarizer.sweep()
            except Exception:  # e.g. the database briefly unreachable; the next round tries again
                log.exception("summary sweep failed; retrying in %ss", every)
            await asyncio.sleep(every)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        with contextlib.suppress(Exception):  # gone with the database: the lease expires by itself
            await lease.release()
