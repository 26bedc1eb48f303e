"""The scheduling MCP server: tools, an .ics resource and a booking prompt over `BookingService`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastmcp import FastMCP
from fastmcp.prompts import Message
from pydantic import Field
from salient_core.annotations import DESTRUCTIVE, READ, WRITE
from salient_core.app import CORE_MIGRATIONS, ServerSpec, create_server
from salient_core.arguments import ArgumentModel, exactly_one_of
from salient_core.db import Database
from salient_core.dependencies import CurrentAccount, CurrentState
from salient_core.migrate import MigrationSet
from salient_core.pagination import MAX_LIMIT, Cursor
from salient_core.times import Instant, TimeZoneName

from salient_scheduling.backends.base import CalendarBackend
from salient_scheduling.backends.local import LocalBackend
from salient_scheduling.booking import BookingService
from salient_scheduling.demo import load_demo
from salient_scheduling.schemas import (
    AvailabilityResult,
    BookingOut,
    BookingPage,
    BookingResult,
    CalendarList,
    CurrentTime,
    Distribution,
    MeetingTypeList,
    Status,
)
from salient_scheduling.service import system_clock
from salient_scheduling.settings import SchedulingSettings
from salient_scheduling.views import zone_of

SCHEDULING_MIGRATIONS = MigrationSet("scheduling", Path(__file__).parent / "migrations")
MIGRATIONS = (CORE_MIGRATIONS, SCHEDULING_MIGRATIONS)

INSTRUCTIONS = """\
Meetings with a company's sales reps. Call get_current_time before reasoning about dates. Pick a meeting type
(list_meeting_types) and a rep, team or territory (list_calendars), then find_availability in the visitor's time
zone, offer 2-3 slots in their local time, and book_meeting only the slot they confirm, passing its start and rep
unchanged. Slots in results are real and already account for daylight saving, buffers and notice."""


TimeZone = Annotated[TimeZoneName, Field(description="IANA time zone, e.g. 'Australia/Sydney' or 'UTC'.")]
Key = Annotated[str, Field(min_length=1, max_length=64, description="Id from list_calendars.")]
MeetingTypeId = Annotated[
    str, Field(min_length=1, max_length=64, description="Meeting type id from list_meeting_types.")
]
BookingId = Annotated[str, Field(min_length=1, max_length=32, description="Booking id, e.g. bk_...")]


class AttendeeIn(ArgumentModel):
    """Who the meeting is with."""

    name: str = Field(min_length=1, max_length=200, description="Full name.")
    email: str = Field(min_length=3, max_length=320, description="Email address; the invite goes here.")
    time_zone: TimeZoneName = Field(description="The attendee's IANA time zone.")


def open_backend(settings: SchedulingSettings) -> CalendarBackend:
    """The calendar backend the settings name (see backends/base.py)."""
    if settings.backend == "nylas":
        assert settings.nylas_api_key is not None  # the settings refuse backend 'nylas' without a key
        # The Nylas SDK (requests, marshmallow, dataclasses-json) loads only when the settings choose it.
        import nylas

        from salient_scheduling.backends.nylas import NylasBackend

        client = nylas.Client(
            api_key=settings.nylas_api_key.get_secret_value(),
            api_uri=settings.nylas_api_uri.rstrip("/"),
            timeout=settings.nylas_timeout,
        )
        return NylasBackend(
            client, max_retries=settings.nylas_max_retries, max_retry_wait=settings.nylas_max_retry_wait
        )
    return LocalBackend()


def _open_state(db: Database, settings: SchedulingSettings) -> BookingService:
    pinned = settings.now
    clock = system_clock if pinned is None else (lambda: pinned)
    return BookingService(db, open_backend(settings), clock=clock)


async def _close_state(service: BookingService) -> None:
    await service.backend.aclose()


SPEC = ServerSpec(
    name="scheduling",
    migrations=SCHEDULING_MIGRATIONS,
    open_state=_open_state,
    load_demo=load_demo,
    close_state=_close_state,
)


def build_server(settings: SchedulingSettings) -> FastMCP:
    mcp = create_server(SPEC, settings, instructions=INSTRUCTIONS)

    @mcp.tool(title="Get current time", annotations=READ)
    async def get_current_time(
        time_zone: TimeZone = "UTC", service: BookingService = CurrentState(SPEC)
    ) -> CurrentTime:
        """Get the current date and time in a time zone, with its UTC offset and whether DST is in effect."""
        return service.current_time(time_zone)

    @mcp.tool(title="List meeting types", annotations=READ)
    async def list_meeting_types(
        service: BookingService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> MeetingTypeList:
        """List meeting types with duration, buffers, minimum notice, booking horizon and location."""
        return await service.list_meeting_types(account)

    @mcp.tool(title="List calendars", annotations=READ)
    async def list_calendars(
        service: BookingService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> CalendarList:
        """List reps' calendars (time zone, working hours, teams, territories), the teams, and each territory's team."""
        return await service.list_calendars(account)

    @mcp.tool(title="Find availability", annotations=READ)
    async def find_availability(
        meeting_type: MeetingTypeId,
        window_start: Annotated[Instant, Field(description="ISO 8601 with offset; search from here.")],
        window_end: Annotated[Instant, Field(description="ISO 8601 with offset; slots end by here.")],
        rep: Annotated[
            str | None, Field(max_length=64, description="One rep's id (or give team or territory).")
        ] = None,
        team: Annotated[str | None, Field(max_length=64, description="A team id; each slot gets one rep.")] = None,
        territory: Annotated[
            str | None, Field(max_length=64, description="A territory id; slots come from the team that serves it.")
        ] = None,
        time_zone: TimeZone = "UTC",
        max_slots: Annotated[int, Field(ge=1, le=100, description="Most slots to return.")] = 10,
        distribution: Annotated[
            Distribution, Field(description="How a team's slots are shared out among its reps.")
        ] = "least_loaded",
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> AvailabilityResult:
        """Find free slots for a meeting type with a rep, a team or a territory, in UTC and the attendee's local time.

        Respects working hours in the rep's zone, holidays, time off, buffers, minimum notice and the horizon.
        """
        return await service.find_availability(
            account,
            meeting_type=meeting_type,
            rep=rep,
            team=team,
            territory=territory,
            window_start=window_start,
            window_end=window_end,
            time_zone=time_zone,
            max_slots=max_slots,
            distribution=distribution,
        )

    exactly_one_of(mcp, find_availability, "rep", "team", "territory")

    @mcp.tool(title="Book meeting", tags={"write"}, annotations=WRITE)
    async def book_meeting(
        meeting_type: MeetingTypeId,
        rep: Annotated[str, Field(min_length=1, max_length=64, description="The slot's rep id.")],
        start: Annotated[Instant, Field(description="The slot's start, as find_availability gave it.")],
        attendee: Annotated[AttendeeIn, Field(description="Name, email and time zone of the person meeting.")],
        idempotency_key: Annotated[
            str,
            Field(
                min_length=8,
                max_length=200,
                description="Identifies this booking request; when retrying the same booking, send the same key.",
            ),
        ],
        notes: Annotated[str, Field(max_length=2000, description="What the attendee wants to cover.")] = "",
        dry_run: Annotated[bool, Field(description="Check the slot and show the booking without making it.")] = False,
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> BookingResult:
        """Book a slot from find_availability after the attendee confirmed it; re-checks it atomically.

        Returns the booking in both time zones and its .ics invite. A taken slot gives a conflict error.
        """
        return await service.book(
            account,
            meeting_type=meeting_type,
            rep=rep,
            start=start,
            attendee_name=attendee.name,
            attendee_email=attendee.email,
            attendee_time_zone=attendee.time_zone,
            notes=notes,
            idempotency_key=idempotency_key,
            dry_run=dry_run,
        )

    @mcp.tool(title="Reschedule meeting", tags={"write"}, annotations=WRITE)
    async def reschedule_meeting(
        booking_id: BookingId,
        start: Annotated[Instant, Field(description="New start from find_availability (same rep).")],
        dry_run: Annotated[bool, Field(description="Check the new slot without moving the booking.")] = False,
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> BookingResult:
        """Move a confirmed booking to another free slot with the same rep; returns the new booking."""
        return await service.reschedule(account, booking_id=booking_id, start=start, dry_run=dry_run)

    @mcp.tool(title="Cancel meeting", tags={"write"}, annotations=DESTRUCTIVE)
    async def cancel_meeting(
        booking_id: BookingId,
        reason: Annotated[str, Field(max_length=500, description="Why, kept on the booking.")] = "",
        dry_run: Annotated[bool, Field(description="Show what would be cancelled without cancelling.")] = False,
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> BookingResult:
        """Cancel a confirmed booking and free its slot; the result carries a cancellation .ics."""
        return await service.cancel(account, booking_id=booking_id, reason=reason, dry_run=dry_run)

    @mcp.tool(title="List bookings", annotations=READ)
    async def list_bookings(
        rep: Annotated[str | None, Field(max_length=64, description="Only this rep's bookings.")] = None,
        status: Annotated[Status | None, Field(description="Only bookings in this status.")] = None,
        start: Annotated[Instant | None, Field(description="Only bookings ending after this.")] = None,
        end: Annotated[Instant | None, Field(description="Only bookings starting before this.")] = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Bookings per page.")] = 20,
        cursor: Cursor = None,
        service: BookingService = CurrentState(SPEC),
        account: str = CurrentAccount(),
    ) -> BookingPage:
        """List bookings in start order, filtered by rep, status and time range; paginated."""
        return await service.list_bookings(
            account, rep=rep, status=status, start=start, end=end, limit=limit, cursor=cursor
        )

    @mcp.tool(title="Get booking", annotations=READ)
    async def get_booking(
        booking_id: BookingId, service: BookingService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> BookingOut:
        """Get one booking with its status, both local times and its .ics resource URI."""
        return await service.get_booking(account, booking_id)

    @mcp.resource("scheduling://bookings/{booking_id}.ics", name="booking-invite", mime_type="text/calendar")
    async def booking_invite(
        booking_id: str, service: BookingService = CurrentState(SPEC), account: str = CurrentAccount()
    ) -> str:
        """The booking's iCalendar invite (a cancellation for cancelled bookings)."""
        return await service.invite(account, booking_id)

    @mcp.prompt(name="book_a_meeting", title="Book a meeting")
    def book_a_meeting(
        topic: Annotated[str, Field(description="What the visitor wants to meet about.")],
        time_zone: Annotated[str | None, Field(description="The visitor's IANA time zone, if known.")] = None,
    ) -> list[Message]:
        """Find, propose, confirm, then book a meeting with the right rep."""
        if time_zone:
            zone_of(time_zone)  # checked here: a prompt argument's own type error reaches the client as -32603
        zone = f"Their time zone is {time_zone}." if time_zone else "Ask for their city or time zone first."
        return [
            Message(
                f"A visitor wants a meeting about: {topic}. {zone}\n"
                "1. get_current_time in their zone; list_meeting_types and pick the type that fits.\n"
                "2. list_calendars to choose a rep, a team, or the visitor's territory (its team takes the meeting).\n"
                "3. find_availability for the next few days in their zone; propose 2-3 slots in their local "
                "time with the weekday and date.\n"
                "4. When they pick one, ask for name and email, then book_meeting with that slot's start and rep "
                "unchanged and a fresh idempotency_key (send the same key if you retry).\n"
                "5. Confirm the booking in their local time; on a conflict, offer the next free slots."
            )
        ]

    return mcp


def create(**settings: Any) -> FastMCP:
    """Build the server from keyword settings; the `salient.servers` entry point, for tools and tests."""
    return build_server(SchedulingSettings(**settings))
