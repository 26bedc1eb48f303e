"""A lease in the host's database, so that of several host replicas only one runs the summary sweep at a time.

The sweep sends mail and asks models for summaries; two replicas sweeping together would race to do both. The
holder renews the lease every round; a holder that dies stops renewing, and another replica takes over once the
lease expires. Taking is one atomic UPDATE (after an INSERT that does nothing when the row exists), which works
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from salient_core.db import Database, utcnow
from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult

from salient_host.memory.models import Lease

SWEEP_LEASE = "summary-sweep"


class DatabaseLease:
    """The lease `name` as held (or wanted) by this process, `owner`."""

    def __init__(self, db: Database, name: str, *, ttl: timedelta, owner: str | None = None) -> None:
        if ttl <= timedelta(0):
            raise ValueError(f"a lease must last some time; ttl is {ttl}")
        self.db = db
        self.name = name
        self.ttl = ttl
        self.owner = owner or uuid.uuid4().hex

    async def take(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; True when this owner holds it until `now + ttl`, False when another does."""
        now = now or utcnow()
        insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        async with self.db.transaction() as s:
            await s.execute(
                insert(Lease)
                .values(name=self.name, owner=self.owner, expires_at=now)
                .on_conflict_do_nothing(index_elements=[Lease.name])
            )
            taken = await s.execute(
                update(Lease)
                .where(Lease.name == self.name, or_(Lease.owner == self.owner, Lease.expires_at <= now))
                .values(owner=self.owner, expires_at=now + self.ttl)
            )
        assert isinstance(taken, CursorResult)
        return taken.rowcount == 1

    async def release(self) -> None:
        """Give the lease up (when this replica stops), so another need not wait for it to expire."""
        async with self.db.transaction() as s:
            await s.execute(delete(Lease).where(Lease.name == self.name, Lease.owner == self.owner))
