"""Territories in scheduling's own data: the migration that adds them, the demo's, and a territory's team."""

from __future__ import annotations

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from salient_core.db import Database
from salient_core.migrate import current_revision, upgrade
from salient_crossfeed.demo import demo_records
from salient_scheduling.backends.local import LocalBackend
from salient_scheduling.booking import BookingService
from salient_scheduling.demo import REPS, TERRITORIES, load_demo
from salient_scheduling.models import Territory
from salient_scheduling.server import CORE_MIGRATIONS, MIGRATIONS, SCHEDULING_MIGRATIONS, build_server
from scheduling_support import DEMO_TERRITORIES, NOW, call, settings_for
from sqlalchemy import text

WINDOW = {"window_start": "2027-04-12T00:00:00Z", "window_end": "2027-04-13T00:00:00Z"}


async def test_upgrade_from_the_first_schema_keeps_reps_and_the_demo_gets_its_territories(db_url: str) -> None:
    """A demo database made before territories existed: its reps stay, and the next --demo start adds them."""
    db = Database(db_url)
    try:
        await upgrade(db, CORE_MIGRATIONS)
        await upgrade(db, SCHEDULING_MIGRATIONS, target="scheduling_0001")
        async with db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO reps (account_id, key, name, email, role, time_zone, working_hours, teams,"
                    " territories, lock_version) VALUES ('acme', 'old-rep', 'Old Rep', 'old@acme.example', 'AE',"
                    ' \'Europe/Berlin\', \'{"mon": [["09:00", "17:00"]]}\', \'["field"]\', \'["emea"]\', 0)'
                )
            )
        await upgrade(db, *MIGRATIONS)
        assert await current_revision(db, SCHEDULING_MIGRATIONS) == "scheduling_0002"
        async with db.session() as session:
            assert (await session.execute(text("SELECT key, name FROM reps"))).all() == [("old-rep", "Old Rep")]
            assert (await session.execute(text("SELECT count(*) FROM territories"))).scalar() == 0
        # The demo account as an earlier release seeded it: reps, but no territories yet.
        service = BookingService(db, LocalBackend(), clock=lambda: NOW)
        await load_demo(service, "demo")
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM territories"))
        await load_demo(service, "demo")  # the next start with --demo
        await load_demo(service, "demo")  # and the one after: nothing doubles
        async with db.session() as session:
            rows = (await session.execute(text("SELECT account_id, key, team FROM territories ORDER BY key"))).all()
        assert {account for account, _, _ in rows} == {"demo"}
        assert {key: team for _, key, team in rows} == DEMO_TERRITORIES
    finally:
        await db.close()


async def test_a_territory_whose_team_has_no_reps_says_so(scheduling_url: str) -> None:
    db = Database(scheduling_url)
    try:
        async with db.transaction(account="demo") as session:
            session.add(Territory(account_id="demo", key="latam", team="sales-latam"))
    finally:
        await db.close()
    async with Client(build_server(settings_for(scheduling_url))) as client:
        assert (await call(client, "list_calendars"))["territories"]["latam"] == "sales-latam"
        with pytest.raises(ToolError) as caught:
            await call(client, "find_availability", meeting_type="product-demo", territory="latam", **WINDOW)
    assert "Territory 'latam' is served by team 'sales-latam', which has no reps" in str(caught.value)


async def test_an_account_without_territories_says_so_and_the_other_routes_still_work(scheduling_url: str) -> None:
    db = Database(scheduling_url)
    try:
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM territories"))
    finally:
        await db.close()
    async with Client(build_server(settings_for(scheduling_url))) as client:
        assert (await call(client, "list_calendars"))["territories"] == {}
        with pytest.raises(ToolError) as caught:
            await call(client, "find_availability", meeting_type="product-demo", territory="us-west", **WINDOW)
        assert "No territory 'us-west' in this account; it has no territories yet." in str(caught.value)
        assert "or pass a rep or team instead" in str(caught.value)
        team = await call(client, "find_availability", meeting_type="product-demo", team="sales-us", **WINDOW)
        assert team["slots"]


def test_the_demo_territories_are_crossfeeds() -> None:
    """find_territory (crossfeed) names a territory that find_availability (scheduling) knows, for every one."""
    crossfeed = {record.id for _, record in demo_records().records["territories"]}  # pyright: ignore
    assert {key for key, _ in TERRITORIES} == crossfeed
    assert {team for _, team in TERRITORIES} <= {team for *_, teams, _ in REPS for team in teams}
