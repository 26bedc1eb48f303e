"""Scheduling errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   ├── UnknownTimeZone    not an IANA time zone name
│   └── SlotNotOffered     the requested start is not a free slot (past, notice, horizon, hours, grid)
├── NotFound
│   ├── UnknownRep         no rep (calendar) or team with that id in this account
│   ├── UnknownMeetingType no meeting type with that id
│   └── UnknownBooking     no booking with that id
├── Conflict
│   └── SlotTaken          another booking (or busy time) holds the slot
└── ProviderUnavailable    the calendar provider failed; nothing changed
"""

from __future__ import annotations

from salient_core.errors import Conflict, InvalidInput, NotFound, SalientError


class UnknownTimeZone(InvalidInput):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"Unknown time zone {name!r}.",
            hint="Use an IANA name such as 'America/Denver', 'Australia/Sydney' or 'UTC'.",
        )


class SlotNotOffered(InvalidInput):
    """The slot fails a rule of the meeting type or the rep's hours; nothing was booked."""


class UnknownRep(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No rep or team {ref!r} in this account.", hint="Call list_calendars for valid ids.")


class UnknownMeetingType(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No meeting type {ref!r}.", hint="Call list_meeting_types for valid ids.")


class UnknownBooking(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"No booking {ref!r} in this account.", hint="Call list_bookings to find it.")


class SlotTaken(Conflict):
    """The slot overlaps another booking or busy time, perhaps one made a moment ago."""


class ProviderUnavailable(SalientError):
    """The calendar provider (Nylas) failed or refused; nothing was booked or changed."""

    def __init__(self, message: str) -> None:
        super().__init__(
            f"The calendar provider failed: {message}. Nothing was changed.",
            hint="Retry the same call (with the same idempotency key) in a moment.",
        )
