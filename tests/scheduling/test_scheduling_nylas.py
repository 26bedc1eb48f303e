"""The Nylas backend through the real SDK against the fake Nylas v3 server: events mirror bookings, busy time
made only in the provider blocks slots, and provider failures become clear errors that change nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from mcp.types import TextContent
from nylas_fake import FakeNylas
from salient_scheduling.server import build_server
from scheduling_support import Backend, all_bookings, attendee, call, nylas_backend, settings_for

DEMO = "product-demo"
START = "2027-04-06T16:00:00Z"  # Tue 10:00 in Denver, free for Daniel in the demo data
WINDOW = {"window_start": "2027-04-06T15:00:00Z", "window_end": "2027-04-06T19:00:00Z", "max_slots": 100}


@pytest.fixture
async def backend(scheduling_url: str) -> AsyncIterator[Backend]:
    """Only Nylas here (this overrides the local-and-Nylas fixture the other scheduling tests use)."""
    async with nylas_backend(scheduling_url) as nylas:
        yield nylas


@pytest.fixture
def nylas(backend: Backend) -> tuple[FakeNylas, dict[str, str]]:
    assert backend.fake is not None
    return backend.fake, backend.grants


def book(**changes: Any) -> dict[str, Any]:
    args = {
        "meeting_type": DEMO,
        "rep": "daniel-okafor",
        "start": START,
        "attendee": attendee(),
        "idempotency_key": "nylas-key-1",
    }
    return {**args, **changes}


async def daniel_slots(client: Client) -> list[str]:
    found = await call(client, "find_availability", meeting_type=DEMO, rep="daniel-okafor", **WINDOW)
    return [s["start"] for s in found["slots"]]


async def test_book_reschedule_cancel_mirror_events(client: Client, nylas: tuple[FakeNylas, dict[str, str]]) -> None:
    fake, grants = nylas
    grant = grants["daniel-okafor"]
    made = (await call(client, "book_meeting", **book(notes="Stairlift range")))["booking"]
    [event] = fake.events_of(grant)
    assert event["calendar_id"] == f"cal-{grant}-primary" and event["busy"] is True
    assert event["when"]["start_time"] == int(datetime(2027, 4, 6, 16, tzinfo=UTC).timestamp())
    assert event["participants"] == [
        {"status": "noreply", "email": "visitor@harbour-clinic.example", "name": "Ada Visitor"}
    ]
    assert event["title"] == made["title"] and event["description"] == "Stairlift range"
    assert event["metadata"] == {"salient_booking": made["id"]}
    # The booking's own event must not count twice: rescheduling 15 minutes later overlaps it and is allowed.
    moved = (await call(client, "reschedule_meeting", booking_id=made["id"], start="2027-04-06T16:15:00Z"))["booking"]
    [event] = fake.events_of(grant)
    assert event["when"]["start_time"] == int(datetime(2027, 4, 6, 16, 15, tzinfo=UTC).timestamp())
    await call(client, "cancel_meeting", booking_id=moved["id"])
    assert fake.events_of(grant) == []


async def test_busy_time_only_in_the_provider_blocks_slots(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    fake, grants = nylas
    before = await daniel_slots(client)
    assert START in before
    lunch = fake.add_event(
        grants["daniel-okafor"], datetime(2027, 4, 6, 16, tzinfo=UTC), datetime(2027, 4, 6, 17, tzinfo=UTC), "Dentist"
    )
    after = await daniel_slots(client)
    assert START not in after and "2027-04-06T16:30:00Z" not in after
    assert set(after) < set(before)
    with pytest.raises(ToolError, match="Daniel Okafor is not free"):
        await call(client, "book_meeting", **book())
    assert [e["id"] for e in fake.events_of(grants["daniel-okafor"])] == [lunch]
    # A free ("busy": false) event does not block.
    fake.grants[grants["daniel-okafor"]].events[lunch]["busy"] = False
    assert await daniel_slots(client) == before


async def test_busy_time_on_a_reps_other_calendar_blocks_slots(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    # Nylas' free/busy covers the primary calendar only: an event in the rep's second calendar must be found there.
    fake, grants = nylas
    grant = grants["daniel-okafor"]
    before = await daniel_slots(client)
    assert START in before
    fake.add_event(
        grant,
        datetime(2027, 4, 6, 16, tzinfo=UTC),
        datetime(2027, 4, 6, 17, tzinfo=UTC),
        "School run",
        calendar="personal",
    )
    after = await daniel_slots(client)
    assert START not in after and "2027-04-06T16:30:00Z" not in after
    with pytest.raises(ToolError, match="Daniel Okafor is not free"):
        await call(client, "book_meeting", **book())
    assert all(e["calendar_id"] == f"cal-{grant}-personal" for e in fake.events_of(grant))


async def test_a_weekly_event_on_another_calendar_blocks_each_occurrence(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    # Listed unexpanded, a series is only its first occurrence (a week before the window here).
    fake, grants = nylas
    weekly = ["RRULE:FREQ=WEEKLY;COUNT=4"]
    first = (datetime(2027, 3, 30, 16, tzinfo=UTC), datetime(2027, 3, 30, 17, tzinfo=UTC))
    fake.add_event(grants["daniel-okafor"], *first, "Gym", calendar="personal", recurrence=weekly)
    assert START not in await daniel_slots(client)
    with pytest.raises(ToolError, match="Daniel Okafor is not free"):
        await call(client, "book_meeting", **book())


async def test_a_busy_all_day_event_on_another_calendar_blocks_the_day(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    fake, grants = nylas
    before = await daniel_slots(client)
    day = date(2027, 4, 6)
    fake.add_all_day_event(grants["daniel-okafor"], day, day, "Holiday (free)", busy=False, calendar="personal")
    assert await daniel_slots(client) == before  # an all-day event marked free, as calendars make them by default
    fake.add_all_day_event(grants["daniel-okafor"], day, day + timedelta(days=1), "Trade fair", calendar="personal")
    assert await daniel_slots(client) == []
    with pytest.raises(ToolError, match="Daniel Okafor is not free"):
        await call(client, "book_meeting", **book())


async def test_a_calendar_the_rep_only_subscribes_to_does_not_block(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    # A teammate's calendar shared with the rep lists the teammate's meetings, not the rep's.
    fake, grants = nylas
    before = await daniel_slots(client)
    fake.add_event(
        grants["daniel-okafor"],
        datetime(2027, 4, 6, 16, tzinfo=UTC),
        datetime(2027, 4, 6, 17, tzinfo=UTC),
        "Teammate's call",
        calendar="colleague",
    )
    assert await daniel_slots(client) == before
    assert (await call(client, "book_meeting", **book()))["applied"] is True


async def test_calendars_come_from_the_provider(client: Client, nylas: tuple[FakeNylas, dict[str, str]]) -> None:
    _, grants = nylas
    reps = {c["id"]: c for c in (await call(client, "list_calendars"))["items"]}
    assert reps["olivia-hart"]["provider"] == "nylas"
    assert reps["olivia-hart"]["provider_calendar"] == f"cal-{grants['olivia-hart']}-primary"


async def test_429_is_retried_after_retry_after(client: Client, nylas: tuple[FakeNylas, dict[str, str]]) -> None:
    fake, grants = nylas
    await daniel_slots(client)  # learn the primary calendar first, so the next request is the create
    fake.fail_next(429, times=2, retry_after="1")
    began, asked = time.perf_counter(), len(fake.seen)
    made = await call(client, "book_meeting", **book())
    # The re-check reads free/busy and the events of Daniel's two calendars at once; two of the three reads meet
    # a 429 and wait its second.
    assert time.perf_counter() - began >= 1.0
    assert len(fake.seen) - asked == 3 + 2 + 1  # the three reads, two of them again, then the create
    assert made["applied"] is True and len(fake.events_of(grants["daniel-okafor"])) == 1


@pytest.mark.parametrize(
    ("status", "retry_after", "message"),
    [
        (401, None, "Nylas refused the request"),
        (404, None, "Nylas found nothing for"),
        (429, "60", "Nylas is rate limiting"),  # longer than the server will hold a rep's lock for
        (503, None, "Nylas answered"),
    ],
)
async def test_provider_errors_are_clear_and_change_nothing(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]], status: int, retry_after: str | None, message: str
) -> None:
    fake, grants = nylas
    before = await all_bookings(client)
    fake.fail_next(status, times=10, retry_after=retry_after)
    with pytest.raises(ToolError, match=message) as caught:
        await call(client, "book_meeting", **book())
    assert "Nothing was changed" in str(caught.value)
    if status == 429:
        assert "in 60 s" in str(caught.value)
    fake.clear_failures()
    assert await all_bookings(client) == before
    assert fake.events_of(grants["daniel-okafor"]) == []


async def test_a_429_past_the_retries_tells_the_client_how_long_to_wait(
    client: Client, nylas: tuple[FakeNylas, dict[str, str]]
) -> None:
    fake, grants = nylas
    fake.fail_next(429, times=10, retry_after="60")
    result = await client.call_tool_mcp("book_meeting", book())
    assert result.is_error is True
    assert result.meta is not None and result.meta["retry_after_seconds"] == 60
    text = result.content[0]
    assert isinstance(text, TextContent) and "in 60 s" in text.text and "Nothing was changed" in text.text
    fake.clear_failures()
    assert fake.events_of(grants["daniel-okafor"]) == []


async def test_a_wrong_api_key_is_refused(scheduling_url: str, backend: Backend) -> None:
    settings = settings_for(scheduling_url, **{**backend.settings, "nylas_api_key": "nyk_wrong"})
    async with Client(build_server(settings)) as client:
        with pytest.raises(ToolError, match=r"Nylas refused the request .*401 unauthorized") as caught:
            await daniel_slots(client)
        assert "SALIENT_SCHEDULING_NYLAS_API_KEY" in str(caught.value)


def test_nylas_backend_needs_an_api_key() -> None:
    with pytest.raises(ValueError, match="backend 'nylas' needs SALIENT_SCHEDULING_NYLAS_API_KEY"):
        settings_for("sqlite:///unused.db", backend="nylas")
