"""iCalendar (RFC 5545) invites for bookings.

Times are written in UTC (`...Z`), which every calendar client converts to its user's zone; that avoids
shipping VTIMEZONE rules that could disagree with the reader's tz database. SEQUENCE grows with each change
and a cancelled booking is sent as METHOD:CANCEL, so clients update the event they already hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import vCalAddress

PRODID = "-//Salient//salient-scheduling//EN"


@dataclass(frozen=True)
class Invite:
    uid: str
    title: str
    start: datetime
    end: datetime
    organizer_name: str
    organizer_email: str
    attendee_name: str
    attendee_email: str
    location: str
    description: str
    sequence: int
    cancelled: bool
    stamp: datetime


def _address(name: str, email: str, **params: str) -> vCalAddress:
    from icalendar import vCalAddress, vText  # see render

    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def render(invite: Invite) -> str:
    """The invite as .ics text (CRLF line endings, as RFC 5545 requires)."""
    # icalendar (80 modules with dateutil) loads when the first invite is rendered, not on every server start.
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", invite.uid)
    event.add("dtstamp", invite.stamp.astimezone(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", invite.title)
    event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    event.add("sequence", invite.sequence)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    event.add("organizer", _address(invite.organizer_name, invite.organizer_email))
    event.add(
        "attendee",
        _address(invite.attendee_name, invite.attendee_email, ROLE="REQ-PARTICIPANT", RSVP="TRUE"),
    )
    cal.add_component(event)
    return cal.to_ical().decode()
