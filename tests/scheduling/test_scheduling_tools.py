"""The scheduling tools end to end through an in-memory client, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from icalendar import Calendar
from salient_scheduling.server import build_server
from scheduling_support import DEMO_TERRITORIES, all_bookings, attendee, call, settings_for

DEMO = "product-demo"


async def test_current_time_reports_offset_and_dst(client: Client) -> None:
    sydney = await call(client, "get_current_time", time_zone="Australia/Sydney")
    assert sydney["now"] == "2027-04-01T03:00:00+11:00"
    assert (sydney["utc_offset"], sydney["is_dst"], sydney["weekday"]) == ("+11:00", True, "Thursday")
    denver = await call(client, "get_current_time", time_zone="America/Denver")
    assert denver["now"] == "2027-03-31T10:00:00-06:00" and denver["now_utc"] == "2027-03-31T16:00:00Z"


async def test_meeting_types_and_calendars_are_the_demo_company(client: Client) -> None:
    types = {t["id"]: t for t in (await call(client, "list_meeting_types"))["items"]}
    assert types["product-demo"] == {
        "id": "product-demo",
        "title": "Product demo",
        "duration_minutes": 30,
        "buffer_before_minutes": 10,
        "buffer_after_minutes": 10,
        "minimum_notice_minutes": 240,
        "horizon_days": 30,
        "location": "Video call (the link is in the invite)",
    }
    assert set(types) == {"product-demo", "discovery-call", "equipment-consultation"}
    calendars = await call(client, "list_calendars")
    reps = {c["id"]: c for c in calendars["items"]}
    assert reps["olivia-hart"]["time_zone"] == "Australia/Sydney"
    assert reps["olivia-hart"]["working_hours"][0] == {"day": "mon", "start": "08:30", "end": "16:30"}
    assert reps["daniel-okafor"]["email"] == "daniel.okafor@brightwell.example"
    assert calendars["teams"]["sales-us"] == ["daniel-okafor", "maya-chen", "priya-raman", "sam-rivera"]
    assert calendars["teams"]["sales-intl"] == ["lukas-meyer", "olivia-hart"]
    assert calendars["territories"] == DEMO_TERRITORIES


async def test_sydney_visitor_on_the_sunday_daylight_saving_ends(client: Client) -> None:
    """4pm Sydney on Sunday 4 April 2027 is midnight in Denver: refused for Daniel, real for the weekend desk."""
    four_pm_sydney = "2027-04-04T16:00:00+10:00"
    with pytest.raises(ToolError, match="outside Daniel Okafor's working hours") as caught:
        await call(
            client,
            "book_meeting",
            meeting_type=DEMO,
            rep="daniel-okafor",
            start=four_pm_sydney,
            attendee=attendee(),
            idempotency_key="sydney-sunday-1",
        )
    assert "Sun 2027-04-04 00:00 MDT" in str(caught.value)
    found = await call(
        client,
        "find_availability",
        meeting_type=DEMO,
        rep="weekend-desk",
        window_start="2027-04-04T15:00:00+10:00",
        window_end="2027-04-04T17:00:00+10:00",
        time_zone="Australia/Sydney",
    )
    starts = [(s["start"], s["start_local"], s["rep_start_local"]) for s in found["slots"]]
    assert ("2027-04-04T06:00:00Z", "2027-04-04T16:00:00+10:00", "2027-04-04T00:00:00-06:00") in starts
    booked = await call(
        client,
        "book_meeting",
        meeting_type=DEMO,
        rep="weekend-desk",
        start=four_pm_sydney,
        attendee=attendee(),
        idempotency_key="sydney-sunday-2",
    )
    b = booked["booking"]
    assert (b["start"], b["end"]) == ("2027-04-04T06:00:00Z", "2027-04-04T06:30:00Z")
    assert (b["start_local"], b["end_local"]) == ("2027-04-04T16:00:00+10:00", "2027-04-04T16:30:00+10:00")
    assert b["rep_start_local"] == "2027-04-04T00:00:00-06:00"
    assert "Sun 04 Apr 2027 16:00 (Australia/Sydney) for the attendee" in booked["message"]
    assert "Sun 04 Apr 00:00 (America/Denver) for Weekend Desk" in booked["message"]


async def test_sydney_repeated_hour_gives_two_distinct_local_times(client: Client) -> None:
    found = await call(
        client,
        "find_availability",
        meeting_type=DEMO,
        rep="weekend-desk",
        window_start="2027-04-03T14:00:00Z",
        window_end="2027-04-03T18:00:00Z",
        time_zone="Australia/Sydney",
        max_slots=100,
    )
    local = [s["start_local"] for s in found["slots"]]
    assert "2027-04-04T02:00:00+11:00" in local and "2027-04-04T02:00:00+10:00" in local
    assert len({s["start"] for s in found["slots"]}) == len(found["slots"])


async def test_team_slots_go_to_the_least_loaded_rep(client: Client) -> None:
    window = {"window_start": "2027-04-12T00:00:00Z", "window_end": "2027-04-13T00:00:00Z"}
    found = await call(client, "find_availability", meeting_type=DEMO, team="sales-intl", max_slots=100, **window)
    by_rep = {s["rep"] for s in found["slots"]}
    # Lukas is at a trade fair from Monday 12 April, so only Olivia is offered.
    assert by_rep == {"olivia-hart"}
    us = await call(client, "find_availability", meeting_type=DEMO, team="sales-us", max_slots=20, **window)
    # Sam has no bookings (the demo books the first five reps), so every slot he can take is his.
    sam = [s for s in us["slots"] if s["rep"] == "sam-rivera"]
    assert sam and all(s["rep_start_local"].endswith("-06:00") for s in sam)
    first = us["slots"][0]
    assert first["start"] == "2027-04-12T13:00:00Z" and first["rep"] == "sam-rivera"  # 07:00 in Denver
    assert us["truncated"] is True


@pytest.mark.parametrize("territory", ["apac", "emea"])
async def test_a_territory_offers_its_teams_slots(client: Client, territory: str) -> None:
    window = {"window_start": "2027-04-12T00:00:00Z", "window_end": "2027-04-13T00:00:00Z"}
    by_team = await call(client, "find_availability", meeting_type=DEMO, team="sales-intl", max_slots=100, **window)
    found = await call(client, "find_availability", meeting_type=DEMO, territory=territory, max_slots=100, **window)
    assert found["slots"] and found["slots"] == by_team["slots"]
    assert {s["rep"] for s in found["slots"]} == {"olivia-hart"}  # Lukas is at the trade fair
    assert f"Territory {territory!r} is served by team 'sales-intl'" in found["message"]


@pytest.mark.parametrize("route", [{"team": "sales-us"}, {"territory": "us-west"}, {"territory": "fallback"}])
async def test_round_robin_goes_to_whoever_was_booked_longest_ago(client: Client, route: dict[str, str]) -> None:
    args = {
        "meeting_type": DEMO,
        **route,
        "window_start": "2027-04-12T16:00:00Z",
        "window_end": "2027-04-12T17:00:00Z",
        "distribution": "round_robin",
    }
    first = (await call(client, "find_availability", **args))["slots"][0]
    assert first["rep"] == "sam-rivera"  # never booked
    await call(
        client,
        "book_meeting",
        meeting_type=DEMO,
        rep="sam-rivera",
        start="2027-04-20T15:00:00Z",
        attendee=attendee(),
        idempotency_key="round-robin-1",
    )
    again = (await call(client, "find_availability", **args))["slots"][0]
    assert again["start"] == first["start"] and again["rep"] != "sam-rivera"


async def test_book_dry_run_then_book_then_replay(client: Client) -> None:
    args = {
        "meeting_type": DEMO,
        "rep": "olivia-hart",
        "start": "2027-04-06T00:00:00Z",  # Tue 10:00 in Sydney
        "attendee": attendee(),
        "idempotency_key": "olivia-tuesday-1",
        "notes": "Mobility range for a care home",
    }
    before = await all_bookings(client)
    dry = await call(client, "book_meeting", **args, dry_run=True)
    assert (dry["applied"], dry["replayed"], dry["ics"]) == (False, False, None)
    assert await all_bookings(client) == before
    made = await call(client, "book_meeting", **args)
    assert made["applied"] is True and made["booking"]["status"] == "confirmed"
    assert made["booking"]["start_local"] == "2027-04-06T10:00:00+10:00"
    replay = await call(client, "book_meeting", **args)
    assert (replay["applied"], replay["replayed"]) == (False, True)
    assert replay["booking"]["id"] == made["booking"]["id"]
    assert len(await all_bookings(client)) == len(before) + 1
    got = await call(client, "get_booking", booking_id=made["booking"]["id"])
    assert got == made["booking"]
    with pytest.raises(ToolError, match="was already used for booking"):
        await call(client, "book_meeting", **{**args, "start": "2027-04-06T01:00:00Z"})


async def test_buffers_keep_back_to_back_bookings_apart(client: Client) -> None:
    booked = {
        "meeting_type": DEMO,
        "rep": "olivia-hart",
        "start": "2027-04-07T00:00:00Z",  # Wed 10:00-10:30 Sydney, buffers 10 min each side
        "attendee": attendee(),
        "idempotency_key": "buffer-test-1",
    }
    await call(client, "book_meeting", **booked)
    found = await call(
        client,
        "find_availability",
        meeting_type=DEMO,
        rep="olivia-hart",
        window_start="2027-04-06T23:00:00Z",
        window_end="2027-04-07T02:00:00Z",
        time_zone="Australia/Sydney",
        max_slots=100,
    )
    local = [s["start_local"][11:16] for s in found["slots"]]
    # 09:30 would end at 10:00 with no room for either buffer; 10:30 would start inside the booking's buffer.
    assert "09:15" in local and "09:30" not in local and "10:30" not in local and "10:45" in local
    with pytest.raises(ToolError, match="Olivia Hart is not free"):
        await call(
            client, "book_meeting", **{**booked, "start": "2027-04-07T00:30:00Z", "idempotency_key": "buffer-test-2"}
        )


async def test_reschedule_then_cancel_then_cancel_again(client: Client) -> None:
    made = await call(
        client,
        "book_meeting",
        meeting_type=DEMO,
        rep="lukas-meyer",
        start="2027-04-06T08:00:00Z",
        attendee=attendee("Europe/Dublin", "aoife@liffey.example"),
        idempotency_key="lukas-move-1",
    )
    old_id = made["booking"]["id"]
    dry = await call(client, "reschedule_meeting", booking_id=old_id, start="2027-04-06T09:00:00Z", dry_run=True)
    assert dry["applied"] is False
    assert (await call(client, "get_booking", booking_id=old_id))["status"] == "confirmed"
    moved = await call(client, "reschedule_meeting", booking_id=old_id, start="2027-04-06T08:15:00Z")
    new = moved["booking"]
    assert (new["start"], new["rescheduled_from"], new["status"]) == ("2027-04-06T08:15:00Z", old_id, "confirmed")
    old = await call(client, "get_booking", booking_id=old_id)
    assert (old["status"], old["rescheduled_to"]) == ("rescheduled", new["id"])
    again = await call(client, "reschedule_meeting", booking_id=old_id, start="2027-04-06T08:15:00Z")
    assert again["replayed"] is True and again["booking"]["id"] == new["id"]
    invite = Calendar.from_ical(moved["ics"])
    event = invite.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{old_id}@salient-scheduling" and event["SEQUENCE"] == 1
    dry_cancel = await call(client, "cancel_meeting", booking_id=new["id"], dry_run=True)
    assert dry_cancel["booking"]["status"] == "cancelled" and dry_cancel["applied"] is False
    assert (await call(client, "get_booking", booking_id=new["id"]))["status"] == "confirmed"
    cancelled = await call(client, "cancel_meeting", booking_id=new["id"], reason="Customer postponed")
    assert cancelled["booking"]["status"] == "cancelled"
    cancel_ics = Calendar.from_ical(cancelled["ics"])
    assert cancel_ics["METHOD"] == "CANCEL" and cancel_ics.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    # The freed slot is offered again.
    found = await call(
        client,
        "find_availability",
        meeting_type=DEMO,
        rep="lukas-meyer",
        window_start="2027-04-06T08:00:00Z",
        window_end="2027-04-06T09:00:00Z",
    )
    assert "2027-04-06T08:15:00Z" in [s["start"] for s in found["slots"]]


async def test_ics_resource_parses_back(client: Client) -> None:
    made = await call(
        client,
        "book_meeting",
        meeting_type="equipment-consultation",
        rep="priya-raman",
        start="2027-04-08T14:00:00Z",  # Thu 10:00 in New York
        attendee=attendee("Asia/Tokyo", "kenji@harbour-clinic.example"),
        idempotency_key="priya-ics-1",
        notes="Hoists for a two-storey home",
    )
    booking = made["booking"]
    contents = await client.read_resource(booking["ics_uri"])
    text = contents[0].text  # pyright: ignore[reportAttributeAccessIssue]
    cal = Calendar.from_ical(text)
    assert cal["METHOD"] == "REQUEST"
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{booking['id']}@salient-scheduling"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert isinstance(start, datetime) and start.isoformat() == "2027-04-08T14:00:00+00:00"
    assert isinstance(end, datetime) and end.isoformat() == "2027-04-08T14:45:00+00:00"
    assert "DTSTART:20270408T140000Z" in text
    assert str(event["ORGANIZER"]) == "mailto:priya.raman@brightwell.example"
    assert event["ORGANIZER"].params["CN"] == "Priya Raman"
    assert str(event["ATTENDEE"]) == "mailto:kenji@harbour-clinic.example"
    assert str(event["DESCRIPTION"]) == "Hoists for a two-storey home"


async def test_list_bookings_pages_and_filters(client: Client) -> None:
    first = await call(client, "list_bookings", limit=4)
    total = first["total"]
    assert total > 8
    seen = list(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        page = await call(client, "list_bookings", limit=4, cursor=cursor)
        seen += page["items"]
        cursor = page["next_cursor"]
    assert len(seen) == total and len({b["id"] for b in seen}) == total
    assert [b["start"] for b in seen] == sorted(b["start"] for b in seen)
    daniel = await call(client, "list_bookings", rep="daniel-okafor", status="confirmed")
    assert daniel["total"] > 0 and {b["rep"]["id"] for b in daniel["items"]} == {"daniel-okafor"}
    with pytest.raises(ToolError, match="belongs to a different query"):
        await call(client, "list_bookings", rep="maya-chen", limit=4, cursor=first["next_cursor"])


async def test_prompt_walks_find_propose_confirm_book(client: Client) -> None:
    prompt = await client.get_prompt("book_a_meeting", {"topic": "a demo of stairlifts", "time_zone": "Asia/Tokyo"})
    text = prompt.messages[0].content.text  # pyright: ignore[reportAttributeAccessIssue]
    for step in ("get_current_time", "find_availability", "book_meeting", "same key"):
        assert step in text


async def test_accounts_never_see_each_other(scheduling_url: str) -> None:
    async with Client(build_server(settings_for(scheduling_url, account="other"))) as other:
        assert (await call(other, "list_calendars"))["items"] == []
        assert (await call(other, "list_calendars"))["territories"] == {}
        assert (await call(other, "list_bookings"))["total"] == 0
        with pytest.raises(ToolError, match="No rep or team 'daniel-okafor'"):
            await call(
                other,
                "book_meeting",
                meeting_type=DEMO,
                rep="daniel-okafor",
                start="2027-04-06T15:00:00Z",
                attendee=attendee(),
                idempotency_key="other-account-1",
            )
