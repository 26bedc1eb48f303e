"""Shared set-up for the scheduling tests: a seeded database, a server on a pinned clock, small helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastmcp import Client
from nylas_fake import FakeNylas
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_scheduling.backends.local import LocalBackend
from salient_scheduling.booking import BookingService
from salient_scheduling.demo import load_demo
from salient_scheduling.models import Rep
from salient_scheduling.server import MIGRATIONS, build_server
from salient_scheduling.settings import SchedulingSettings
from sqlalchemy import select
from support import serve_asgi

# Wednesday 31 March 2027, 16:00 UTC: Sydney's daylight saving ends on Sunday 4 April, inside every horizon.
NOW = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)

# The demo company's territories (those of crossfeed) and the team that takes each one's meetings.
DEMO_TERRITORIES = {
    "apac": "sales-intl",
    "emea": "sales-intl",
    "fallback": "sales-us",
    "key-accounts": "success",
    "us-central": "sales-us",
    "us-east": "sales-us",
    "us-west": "sales-us",
}

# A Denver desk that also works weekend nights, so slots exist across Sydney's change of clocks.
WEEKEND_DESK = {
    "key": "weekend-desk",
    "name": "Weekend Desk",
    "email": "weekend.desk@brightwell.example",
    "time_zone": "America/Denver",
    "working_hours": {"sat": [["08:00", "12:00"], ["18:00", "23:45"]], "sun": [["00:00", "06:00"]]},
    "teams": ["weekend"],
}


async def seed(url: str, account: str = "demo", now: datetime = NOW) -> None:
    """The demo slice (placed relative to `now`) plus the weekend desk, in `account`."""
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        await load_demo(BookingService(db, LocalBackend(), clock=lambda: now), account)
        async with db.transaction(account=account) as session:
            session.add(Rep(account_id=account, role="AE", territories=[], lock_version=0, **WEEKEND_DESK))
    finally:
        await db.close()


def settings_for(url: str, **extra: Any) -> SchedulingSettings:
    return SchedulingSettings(db=url, now=extra.pop("now", NOW), **extra)


@pytest.fixture
async def scheduling_url(db_url: str) -> str:
    """A database (SQLite, then PostgreSQL) holding the demo slice in account 'demo'."""
    await seed(db_url)
    return db_url


NYLAS_KEY = "nyk_v0_test_key"


@dataclass
class Backend:
    """The calendar backend a test runs against: its settings and, for Nylas, the fake provider behind it."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    fake: FakeNylas | None = None
    grants: dict[str, str] = field(default_factory=dict)  # rep key -> Nylas grant id


async def connect_reps_to(fake: FakeNylas, url: str, account: str = "demo") -> dict[str, str]:
    """Give every rep a grant id (as an operator connecting their calendars would) and the fake that grant."""
    db = Database(url)
    grants = {}
    try:
        async with db.transaction(account=account) as session:
            for rep in await session.scalars(select(Rep).where(Rep.account_id == account)):
                rep.grant_id = grant = f"grant-{rep.key}-{rep.id:04d}"
                fake.add_grant(grant, rep.email, rep.time_zone)
                grants[rep.key] = grant
    finally:
        await db.close()
    return grants


@pytest.fixture(params=["local", "nylas"])
async def backend(request: pytest.FixtureRequest, scheduling_url: str) -> AsyncIterator[Backend]:
    """Each test that takes `backend` (or `client`) runs with the local backend and with Nylas (a fake)."""
    if request.param == "local":
        yield Backend("local")
        return
    async with nylas_backend(scheduling_url) as nylas:
        yield nylas


@asynccontextmanager
async def nylas_backend(url: str) -> AsyncIterator[Backend]:
    """A fake Nylas on a free port, holding a grant for every rep in `url`."""
    fake = FakeNylas(NYLAS_KEY)
    grants = await connect_reps_to(fake, url)
    async with serve_asgi(fake.app) as base:
        settings = {"backend": "nylas", "nylas_api_key": NYLAS_KEY, "nylas_api_uri": base, "nylas_max_retry_wait": 2}
        yield Backend("nylas", settings, fake, grants)


@pytest.fixture
async def client(scheduling_url: str, backend: Backend) -> AsyncIterator[Client]:
    async with Client(build_server(settings_for(scheduling_url, **backend.settings))) as c:
        yield c


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.structured_content is not None
    return result.structured_content


def attendee(time_zone: str = "Australia/Sydney", email: str = "visitor@harbour-clinic.example") -> dict[str, str]:
    return {"name": "Ada Visitor", "email": email, "time_zone": time_zone}


async def all_bookings(client: Client) -> list[dict[str, Any]]:
    page = await call(client, "list_bookings", limit=100)
    assert page["next_cursor"] is None
    return page["items"]
