"""Fifty callers race for one slot: exactly one booking, forty-nine clear conflicts, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from fastmcp import Client
from fastmcp.exceptions import ToolError
from salient_scheduling.server import build_server
from scheduling_support import Backend, all_bookings, attendee, call, settings_for

SLOT = {"meeting_type": "product-demo", "rep": "maya-chen", "start": "2027-04-06T17:00:00Z"}  # Tue 10:00 in LA


async def test_fifty_concurrent_bookings_of_one_slot(scheduling_url: str, backend: Backend) -> None:
    async with Client(build_server(settings_for(scheduling_url, **backend.settings))) as client:
        before = len(await all_bookings(client))

        async def one(i: int) -> str:
            args = {**SLOT, "attendee": attendee(email=f"racer{i}@example.com"), "idempotency_key": f"race-key-{i:03d}"}
            try:
                result = await call(client, "book_meeting", **args)
            except ToolError as exc:
                return f"error: {exc}"
            return result["booking"]["id"]

        outcomes = await asyncio.gather(*(one(i) for i in range(50)))
        errors = [o for o in outcomes if o.startswith("error: ")]
        booked = [o for o in outcomes if not o.startswith("error: ")]
        assert len(booked) == 1 and len(errors) == 49
        assert all("Maya Chen is not free" in e and "may have just been taken" in e for e in errors), errors[:3]
        bookings = await all_bookings(client)
        assert len(bookings) == before + 1
        mine = [b for b in bookings if b["start"] == SLOT["start"] and b["rep"]["id"] == "maya-chen"]
        assert [b["id"] for b in mine] == booked
        if backend.fake is not None:  # and exactly one event in Maya's real calendar
            assert len(backend.fake.events_of(backend.grants["maya-chen"])) == 1


async def test_concurrent_retries_with_one_key_give_one_booking(scheduling_url: str, backend: Backend) -> None:
    async with Client(build_server(settings_for(scheduling_url, **backend.settings))) as client:
        args = {**SLOT, "attendee": attendee(), "idempotency_key": "retry-storm-1"}
        results = await asyncio.gather(*(call(client, "book_meeting", **args) for _ in range(10)))
        assert len({r["booking"]["id"] for r in results}) == 1
        assert sorted(r["replayed"] for r in results) == [False] + [True] * 9
