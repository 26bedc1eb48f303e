"""Every bad input gets a clear error and changes nothing (bookings and availability stay as they were)."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from scheduling_support import all_bookings, attendee, call
from support import forged_cursor

DEMO = "product-demo"
# Years 1 and 9999 in local time, outside Python's range once in UTC; and a 256-byte zone name.
EARLY, LATE = "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"
OUT_OF_RANGE = "is outside the supported range 1900-01-01 to 2999-12-31 (UTC)"
EMOJI_ZONE = "\N{GRINNING FACE}" * 64
WINDOW = {"window_start": "2027-04-05T00:00:00Z", "window_end": "2027-04-06T00:00:00Z"}


def book(**changes: Any) -> dict[str, Any]:
    args = {
        "meeting_type": DEMO,
        "rep": "daniel-okafor",
        "start": "2027-04-06T16:00:00Z",  # Tue 10:00 in Denver, free in the demo data
        "attendee": attendee(),
        "idempotency_key": "bad-input-key-1",
    }
    return {**args, **changes}


BAD_INPUTS = [
    ("get_current_time", {"time_zone": "Mars/Olympus_Mons"}, "Unknown time zone 'Mars/Olympus_Mons'"),
    ("get_current_time", {"time_zone": "../etc/passwd"}, "Unknown time zone '../etc/passwd'"),
    ("get_current_time", {"time_zone": EMOJI_ZONE}, "time_zone: Unknown time zone"),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "time_zone": EMOJI_ZONE, **WINDOW},
        "time_zone: Unknown time zone",
    ),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "window_start": EARLY, "window_end": "2027-04-06T00:00:00Z"},
        f"window_start: The date-time {OUT_OF_RANGE}",
    ),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "window_start": "2027-04-05T00:00:00Z", "window_end": LATE},
        f"window_end: The date-time {OUT_OF_RANGE}",
    ),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "time_zone": "Sydney", **WINDOW},
        "Unknown time zone 'Sydney'",
    ),
    (
        "find_availability",
        {
            "meeting_type": DEMO,
            "rep": "daniel-okafor",
            "window_start": "2027-04-06T00:00:00Z",
            "window_end": "2027-04-05T00:00:00Z",
        },
        "window_end 2027-04-05T00:00:00+00:00 is not after window_start",
    ),
    (
        "find_availability",
        {
            "meeting_type": DEMO,
            "rep": "daniel-okafor",
            "window_start": "2027-03-01T00:00:00Z",
            "window_end": "2027-03-02T00:00:00Z",
        },
        "The window ends in the past",
    ),
    (
        "find_availability",
        {
            "meeting_type": DEMO,
            "rep": "daniel-okafor",
            "window_start": "2027-04-01T00:00:00Z",
            "window_end": "2027-06-01T00:00:00Z",
        },
        "longer than this meeting type's 30-day horizon",
    ),
    (
        "find_availability",
        {
            "meeting_type": DEMO,
            "rep": "daniel-okafor",
            "window_start": "2027-05-10T00:00:00Z",
            "window_end": "2027-05-11T00:00:00Z",
        },
        "The window starts after the booking horizon",
    ),
    (
        "find_availability",
        {
            "meeting_type": DEMO,
            "rep": "daniel-okafor",
            "window_start": "2027-04-05T00:00:00",
            "window_end": "2027-04-06T00:00:00Z",
        },
        "window_start: The date-time has no time zone",
    ),
    ("find_availability", {"meeting_type": "lunch", "rep": "daniel-okafor", **WINDOW}, "No meeting type 'lunch'"),
    ("find_availability", {"meeting_type": DEMO, "rep": "nobody", **WINDOW}, "No rep or team 'nobody'"),
    ("find_availability", {"meeting_type": DEMO, "team": "sales-mars", **WINDOW}, "No rep or team 'sales-mars'"),
    ("find_availability", {"meeting_type": DEMO, **WINDOW}, "Pass exactly one of rep, team or territory"),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "territory": "us-central", **WINDOW},
        "Pass exactly one of rep, team or territory",
    ),
    (
        "find_availability",
        {"meeting_type": DEMO, "territory": "mars", **WINDOW},
        "No territory 'mars' in this account; its territories are apac, emea, fallback, key-accounts, us-central, "
        "us-east, us-west. Call crossfeed's find_territory for a visitor's territory, or list_calendars",
    ),
    (
        "find_availability",
        {"meeting_type": DEMO, "territory": "x" * 65, **WINDOW},
        "territory: String should have at most 64 characters",
    ),
    ("book_meeting", book(start="2027-03-30T16:00:00Z"), "is in the past"),
    ("book_meeting", book(start="2027-03-31T17:00:00Z"), "needs 4 h of notice"),
    ("book_meeting", book(start="2027-05-04T16:00:00Z"), "at most 30 days ahead"),
    ("book_meeting", book(start="2027-04-06T03:00:00Z"), "outside Daniel Okafor's working hours"),
    ("book_meeting", book(start="2027-04-06T16:05:00Z"), "is not an offered start time"),
    ("book_meeting", book(start="2027-04-06T16:00:00"), "start: The date-time has no time zone"),
    ("book_meeting", book(meeting_type="lunch"), "No meeting type 'lunch'"),
    ("book_meeting", book(rep="nobody"), "No rep or team 'nobody'"),
    ("book_meeting", book(attendee=attendee(email="not-an-email")), "Malformed email 'not-an-email'"),
    ("book_meeting", book(attendee=attendee(time_zone="Pacific/Atlantis")), "Unknown time zone 'Pacific/Atlantis'"),
    ("book_meeting", book(attendee=attendee(time_zone=EMOJI_ZONE)), "Unknown time zone"),
    ("book_meeting", book(start=LATE), f"start: The date-time {OUT_OF_RANGE}"),
    ("book_meeting", book(start=EARLY), f"start: The date-time {OUT_OF_RANGE}"),
    ("book_meeting", book(idempotency_key="short"), "idempotency_key: String should have at least 8 characters"),
    ("reschedule_meeting", {"booking_id": "bk_nope", "start": "2027-04-06T16:00:00Z"}, "No booking 'bk_nope'"),
    ("cancel_meeting", {"booking_id": "bk_nope"}, "No booking 'bk_nope'"),
    ("get_booking", {"booking_id": "bk_nope"}, "No booking 'bk_nope'"),
    ("reschedule_meeting", {"booking_id": "bk_nope", "start": EARLY}, f"start: The date-time {OUT_OF_RANGE}"),
    ("list_bookings", {"start": EARLY}, f"start: The date-time {OUT_OF_RANGE}"),
    ("list_bookings", {"end": LATE}, f"end: The date-time {OUT_OF_RANGE}"),
    ("list_bookings", {"status": "maybe"}, "status: Input should be 'confirmed'"),
    ("list_bookings", {"cursor": "garbage"}, "Malformed cursor"),
    (
        "list_bookings",
        {"start": "2027-04-06T00:00:00Z", "end": "2027-04-05T00:00:00Z"},
        "is not after start",
    ),
    # Arguments are checked strictly against the input schema: nothing is coerced into the type it should have been.
    ("book_meeting", book(dry_run=0), "dry_run: Input should be a valid boolean (got 0)"),
    ("book_meeting", book(start=1806940800), "start: Input should be a valid datetime (got 1806940800)"),
    ("book_meeting", book(start="1806940800"), "start: expected an ISO 8601 date and time"),
    (
        "find_availability",
        {"meeting_type": DEMO, "rep": "daniel-okafor", "max_slots": True, **WINDOW},
        "max_slots: Input should be a valid integer (got True)",
    ),
]


async def snapshot(client: Client) -> tuple[list[dict[str, Any]], list[str]]:
    found = await call(
        client,
        "find_availability",
        meeting_type=DEMO,
        rep="daniel-okafor",
        window_start="2027-04-06T00:00:00Z",
        window_end="2027-04-07T00:00:00Z",
        max_slots=100,
    )
    return await all_bookings(client), [s["start"] for s in found["slots"]]


@pytest.mark.parametrize(("tool", "args", "message"), BAD_INPUTS, ids=[f"{t}-{m[:32]}" for t, _, m in BAD_INPUTS])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: Client, tool: str, args: dict[str, Any], message: str
) -> None:
    before = await snapshot(client)
    with pytest.raises(ToolError) as caught:
        await client.call_tool(tool, args)
    assert message in str(caught.value)
    assert await snapshot(client) == before


async def test_cancelling_twice_is_refused_and_changes_nothing(client: Client) -> None:
    made = await call(client, "book_meeting", **book())
    booking_id = made["booking"]["id"]
    await call(client, "cancel_meeting", booking_id=booking_id)
    before = await snapshot(client)
    with pytest.raises(ToolError, match=f"Booking '{booking_id}' is already cancelled; it cannot be cancelled"):
        await call(client, "cancel_meeting", booking_id=booking_id)
    with pytest.raises(ToolError, match="already cancelled; it cannot be rescheduled"):
        await call(client, "reschedule_meeting", booking_id=booking_id, start="2027-04-06T17:00:00Z")
    assert await snapshot(client) == before


async def test_slot_taken_is_a_conflict_that_changes_nothing(client: Client) -> None:
    await call(client, "book_meeting", **book())
    before = await snapshot(client)
    with pytest.raises(ToolError, match="Daniel Okafor is not free") as caught:
        await call(
            client, "book_meeting", **book(idempotency_key="bad-input-key-2", attendee=attendee(email="b@c.example"))
        )
    assert "Call find_availability" in str(caught.value)
    assert await snapshot(client) == before


@pytest.mark.parametrize("offset", [str(2**63), "1e999", "-1", '"1"'])
async def test_forged_cursor_is_refused_and_changes_nothing(client: Client, offset: str) -> None:
    await call(client, "book_meeting", **book())
    await call(client, "book_meeting", **book(start="2027-04-06T17:00:00Z", idempotency_key="bad-input-key-2"))
    page = await call(client, "list_bookings", limit=1)
    before = await snapshot(client)
    forged = forged_cursor(page["next_cursor"], offset)  # the right fingerprint, an offset we never issue
    with pytest.raises(ToolError, match="Malformed cursor") as caught:
        await client.call_tool("list_bookings", {"limit": 1, "cursor": forged})
    assert "Internal error" not in str(caught.value)
    assert await snapshot(client) == before


@pytest.mark.parametrize(
    ("tool", "args", "message"),
    [
        (
            "reschedule_meeting",
            {"start": "2027-04-06T17:00:00Z", "dry_run": 0},
            "dry_run: Input should be a valid boolean (got 0)",
        ),
        ("cancel_meeting", {"dry_run": "false"}, "dry_run: Input should be a valid boolean (got 'false')"),
    ],
)
async def test_a_write_with_a_mistyped_argument_is_refused_and_changes_nothing(
    client: Client, tool: str, args: dict[str, Any], message: str
) -> None:
    booking_id = (await call(client, "book_meeting", **book()))["booking"]["id"]
    before = await snapshot(client)
    with pytest.raises(ToolError) as caught:
        await client.call_tool(tool, {"booking_id": booking_id, **args})
    assert message in str(caught.value)
    assert await snapshot(client) == before
