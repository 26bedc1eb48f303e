"""How find_availability reads the database: a fixed handful of statements, however many reps and bookings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from salient_core.db import Database
from salient_scheduling.backends.local import LocalBackend
from salient_scheduling.booking import BookingService
from salient_scheduling.service import SchedulingService
from scheduling_support import NOW
from sqlalchemy import event


async def test_a_team_search_reads_its_calendars_in_four_statements(scheduling_url: str) -> None:
    """Meeting type, reps, everyone's busy time (bookings, time off, holidays) at once, and the reps' load."""
    db = Database(scheduling_url)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        booker = BookingService(db, LocalBackend(), clock=lambda: NOW)
        service = SchedulingService(db, LocalBackend(), clock=lambda: NOW)
        args: dict[str, Any] = {
            "meeting_type": "product-demo",
            "rep": None,
            "team": "sales-us",
            "window_start": NOW + timedelta(days=1),
            "window_end": NOW + timedelta(days=15),
            "time_zone": "Australia/Sydney",
            "max_slots": 500,
            "distribution": "round_robin",
        }
        before = await service.find_availability("demo", **args)
        statements.clear()
        for n, slot in enumerate(before.slots[:60:20]):  # more bookings must not mean more statements
            await booker.book(
                "demo",
                meeting_type="product-demo",
                rep=slot.rep,
                start=slot.start,
                attendee_name="Reads Test",
                attendee_email="reads@example.com",
                attendee_time_zone="UTC",
                notes="",
                idempotency_key=f"reads-{n}",
                dry_run=False,
            )
        statements.clear()
        after = await service.find_availability("demo", **args)
        assert len(statements) <= 4, statements
        booked = {(s.start, s.rep) for s in before.slots[:60:20]}
        assert booked.isdisjoint({(s.start, s.rep) for s in after.slots})
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
        await db.close()
