"""Conversions between rows, the availability engine's values and the tools' result models."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from salient_core.times import zone_named

from salient_scheduling.availability import WEEKDAYS, Rules
from salient_scheduling.backends.base import CalendarRef, EventSpec
from salient_scheduling.errors import UnknownTimeZone
from salient_scheduling.ics import Invite
from salient_scheduling.models import Booking, MeetingType, Rep
from salient_scheduling.schemas import (
    Attendee,
    BookingOut,
    CalendarOut,
    MeetingTypeOut,
    RepRef,
    Status,
    WorkingPeriod,
)

# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is the mail server's business.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or UnknownTimeZone (checked against the zone list, never read as a path)."""
    try:
        return zone_named(name)
    except ValueError as exc:
        raise UnknownTimeZone(name) from exc


def rules_of(mt: MeetingType) -> Rules:
    return Rules(
        duration=timedelta(minutes=mt.duration_min),
        before=timedelta(minutes=mt.buffer_before_min),
        after=timedelta(minutes=mt.buffer_after_min),
        notice=timedelta(minutes=mt.min_notice_min),
        horizon=timedelta(days=mt.horizon_days),
        step=timedelta(minutes=mt.slot_step_min),
    )


def calendar_ref(rep: Rep) -> CalendarRef:
    return CalendarRef(rep=rep.key, email=rep.email, grant=rep.grant_id or rep.email)


def meeting_type_out(mt: MeetingType) -> MeetingTypeOut:
    return MeetingTypeOut(
        id=mt.key,
        title=mt.title,
        duration_minutes=mt.duration_min,
        buffer_before_minutes=mt.buffer_before_min,
        buffer_after_minutes=mt.buffer_after_min,
        minimum_notice_minutes=mt.min_notice_min,
        horizon_days=mt.horizon_days,
        location=mt.location,
    )


def calendar_out(rep: Rep, *, provider: str, provider_calendar: str | None) -> CalendarOut:
    periods = [
        WorkingPeriod(day=day, start=start, end=end)
        for day in WEEKDAYS
        for start, end in rep.working_hours.get(day, [])
    ]
    return CalendarOut(
        id=rep.key,
        name=rep.name,
        email=rep.email,
        role=rep.role,
        time_zone=rep.time_zone,
        working_hours=periods,
        teams=list(rep.teams),
        territories=list(rep.territories),
        provider=provider,
        provider_calendar=provider_calendar,
    )


def booking_out(b: Booking, rep: Rep, mt: MeetingType) -> BookingOut:
    attendee_zone, rep_zone = zone_of(b.attendee_time_zone), zone_of(rep.time_zone)
    status: Status = b.status  # pyright: ignore[reportAssignmentType] - the column only holds BOOKING_STATUSES
    return BookingOut(
        id=b.id,
        status=status,
        meeting_type=mt.key,
        title=title_of(mt, rep, b.attendee_name),
        start=b.starts_at,
        end=b.ends_at,
        start_local=b.starts_at.astimezone(attendee_zone),
        end_local=b.ends_at.astimezone(attendee_zone),
        rep_start_local=b.starts_at.astimezone(rep_zone),
        rep=RepRef(id=rep.key, name=rep.name, email=rep.email, time_zone=rep.time_zone),
        attendee=Attendee(name=b.attendee_name, email=b.attendee_email, time_zone=b.attendee_time_zone),
        location=mt.location,
        notes=b.notes,
        rescheduled_from=b.rescheduled_from,
        rescheduled_to=b.rescheduled_to,
        created_at=b.created_at,
        ics_uri=f"scheduling://bookings/{b.id}.ics",
    )


def title_of(mt: MeetingType, rep: Rep, attendee: str) -> str:
    return f"{mt.title}: {attendee} with {rep.name}"


def event_of(b: Booking, rep: Rep, mt: MeetingType) -> EventSpec:
    return EventSpec(
        booking_id=b.id,
        title=title_of(mt, rep, b.attendee_name),
        start=b.starts_at,
        end=b.ends_at,
        description=b.notes,
        location=mt.location,
        attendee_name=b.attendee_name,
        attendee_email=b.attendee_email,
    )


def invite_of(b: Booking, rep: Rep, mt: MeetingType) -> Invite:
    return Invite(
        uid=b.ical_uid,
        title=title_of(mt, rep, b.attendee_name),
        start=b.starts_at,
        end=b.ends_at,
        organizer_name=rep.name,
        organizer_email=rep.email,
        attendee_name=b.attendee_name,
        attendee_email=b.attendee_email,
        location=mt.location,
        description=b.notes,
        sequence=b.sequence,
        cancelled=b.status == "cancelled",
        stamp=b.updated_at,
    )
