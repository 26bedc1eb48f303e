"""The interface every calendar backend implements.

The server's own database always holds reps, meeting types, hours and bookings (it needs them for idempotency,
history and the atomic re-check). A backend adds what lives in the reps' real calendars: busy time the server
did not create, and the events that mirror bookings there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from salient_scheduling.availability import Busy


@dataclass(frozen=True)
class CalendarRef:
    """Which provider calendar holds a rep's meetings."""

    rep: str
    email: str
    grant: str  # the provider's account handle for the rep (a Nylas grant id or the email)


@dataclass(frozen=True)
class ProviderCalendar:
    id: str
    name: str
    time_zone: str | None
    primary: bool
    owned: bool = True  # False for a calendar the rep only subscribes to (a teammate's, a holidays feed)


@dataclass(frozen=True)
class EventSpec:
    """What a booking looks like in a rep's calendar."""

    booking_id: str
    title: str
    start: datetime
    end: datetime
    description: str
    location: str
    attendee_name: str
    attendee_email: str


class CalendarBackend(Protocol):
    name: str

    async def calendars(self, rep: CalendarRef) -> list[ProviderCalendar]:
        """The rep's calendars at the provider."""
        ...

    async def busy(self, reps: Sequence[CalendarRef], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy time per rep key in [start, end), beyond the bookings in the server's database."""
        ...

    async def create_event(self, rep: CalendarRef, event: EventSpec) -> str | None:
        """Put a booking in the rep's calendar; returns the provider's event id (None when nothing to store)."""
        ...

    async def update_event(self, rep: CalendarRef, event_id: str, event: EventSpec) -> None: ...

    async def delete_event(self, rep: CalendarRef, event_id: str) -> None: ...

    async def aclose(self) -> None: ...
