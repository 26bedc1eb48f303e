"""Shared set-up for the scheduling tests: a seeded database, a server on a pinned clock, small helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_scheduling.backends.local import LocalBackend
from salient_scheduling.booking import BookingService
from salient_scheduling.demo import load_demo
from salient_scheduling.models import Rep
from salient_scheduling.server import MIGRATIONS, build_server
from salient_scheduling.settings import SchedulingSettings

# Wednesday 31 March 2027, 16:00 UTC: Sydney's daylight saving ends on Sunday 4 April, inside every horizon.
NOW = datetime(2027, 3, 31, 16, 0, tzinfo=UTC)

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


@pytest.fixture
async def client(scheduling_url: str) -> AsyncIterator[Client]:
    async with Client(build_server(settings_for(scheduling_url))) as c:
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
