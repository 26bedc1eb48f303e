"""One host replica at a time runs the summary sweep: the lease in the host's database, on SQLite and PostgreSQL.

Two replicas are two `DatabaseLease`s with different owners over one real database (two Stores, two engines).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from salient_core.db import utcnow
from salient_host.memory import Store
from salient_host.memory.models import Lease
from salient_host.summaries.lease import SWEEP_LEASE, DatabaseLease
from sqlalchemy import select
from support import fresh_postgres_database, require_postgres

TTL = timedelta(minutes=2)


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'host.db'}"
        return
    await require_postgres()
    async with fresh_postgres_database() as url:
        yield url


@pytest_asyncio.fixture
async def replicas(database_url: str) -> AsyncIterator[tuple[Store, Store]]:
    first = await Store.open(database_url)
    second = await Store.open(database_url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_one_replica_holds_the_sweep_lease_until_it_stops_renewing(replicas: tuple[Store, Store]) -> None:
    first_store, second_store = replicas
    first = DatabaseLease(first_store.db, SWEEP_LEASE, ttl=TTL, owner="replica-a")
    second = DatabaseLease(second_store.db, SWEEP_LEASE, ttl=TTL, owner="replica-b")
    now = utcnow()
    assert await first.take(now) is True
    assert await second.take(now) is False
    assert await first.take(now + TTL / 2) is True  # the holder renews
    assert await second.take(now + TTL) is False  # renewed: not expired yet
    # replica-a dies: it renews no more, and once its lease runs out replica-b takes over, and keeps it.
    assert await second.take(now + TTL / 2 + TTL) is True
    assert await first.take(now + TTL / 2 + TTL) is False
    async with first_store.db.session() as s:
        rows = list(await s.scalars(select(Lease)))
    assert [(row.name, row.owner) for row in rows] == [(SWEEP_LEASE, "replica-b")]


async def test_a_released_lease_is_taken_at_once_and_only_its_owner_can_release_it(
    replicas: tuple[Store, Store],
) -> None:
    first_store, second_store = replicas
    first = DatabaseLease(first_store.db, SWEEP_LEASE, ttl=TTL, owner="replica-a")
    second = DatabaseLease(second_store.db, SWEEP_LEASE, ttl=TTL, owner="replica-b")
    assert await first.take() is True
    await second.release()  # not its lease: nothing changes
    assert await second.take() is False
    await first.release()
    assert await second.take() is True


async def test_a_lease_without_a_duration_is_refused_and_nothing_is_written(replicas: tuple[Store, Store]) -> None:
    store, _ = replicas
    with pytest.raises(ValueError, match="a lease must last some time"):
        DatabaseLease(store.db, SWEEP_LEASE, ttl=timedelta(0))
    async with store.db.session() as s:
        assert list(await s.scalars(select(Lease))) == []


async def test_of_many_replicas_taking_the_lease_at_once_exactly_one_gets_it(replicas: tuple[Store, Store]) -> None:
    stores = [replicas[i % 2] for i in range(8)]
    leases = [DatabaseLease(store.db, SWEEP_LEASE, ttl=TTL, owner=f"replica-{i}") for i, store in enumerate(stores)]
    now = utcnow()
    taken = await asyncio.gather(*(lease.take(now) for lease in leases))
    assert taken.count(True) == 1
