"""Scheduling errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   ├── UnknownTimeZone    not an IANA time zone name
│   └── SlotNotOffered     the requested start is not a free slot (past, notice, horizon, hours, grid)
├── NotFound
│   ├── UnknownRep         no rep (calendar) or team with that id in this account
│   ├── UnknownTerritory   no territory with that id in this account
│   ├── TeamWithoutReps    a territory's team has no reps
│   ├── UnknownMeetingType no meeting type with that id
│   └── UnknownBooking     no booking with that id
├── Conflict
│   └── SlotTaken          another booking (or busy time) holds the slot
└── ProviderUnavailable    the calendar provider failed; nothing changed
    ├── ProviderRefused    the provider rejected our credentials (401/403)
    ├── ProviderNotFound   the provider has no such grant, calendar or event (404)
    └── ProviderRateLimited  still rate limited (429) after the bounded retries (also a core `RateLimited`:
                             the client reads `retry_after_seconds` in the error's `_meta`)
"""

from __future__ import annotations

from collections.abc import Sequence

from salient_core.errors import Conflict, InvalidInput, NotFound, RateLimited, SalientError, whole_seconds


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


class UnknownTerritory(NotFound):
    def __init__(self, ref: str, known: Sequence[str]) -> None:
        where = f"its territories are {', '.join(known)}" if known else "it has no territories yet"
        super().__init__(
            f"No territory {ref!r} in this account; {where}.",
            hint="Call crossfeed's find_territory for a visitor's territory, or list_calendars for the territories "
            "and their teams; or pass a rep or team instead.",
        )


class TeamWithoutReps(NotFound):
    def __init__(self, territory: str, team: str) -> None:
        super().__init__(
            f"Territory {territory!r} is served by team {team!r}, which has no reps in this account.",
            hint="Call list_calendars for the teams and their reps, and pass a rep or team instead.",
        )


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

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"The calendar provider failed: {message}. Nothing was changed.",
            hint=hint or "Retry the same call (with the same idempotency key) in a moment.",
        )


class ProviderRefused(ProviderUnavailable):
    """The provider rejected the API key; retrying will not help until an operator fixes the setting."""


class ProviderNotFound(ProviderUnavailable):
    """A grant, calendar or event the server relies on is gone at the provider."""


class ProviderRateLimited(ProviderUnavailable, RateLimited):
    """The provider kept answering 429 Too Many Requests; `retry_after_seconds` is the wait it asked for."""

    def __init__(self, message: str, *, retry_after_seconds: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_seconds = whole_seconds(retry_after_seconds)
