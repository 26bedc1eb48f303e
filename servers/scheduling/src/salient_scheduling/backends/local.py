"""The default backend: the server's database is the calendar, so there is nothing outside it to ask."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from salient_scheduling.availability import Busy
from salient_scheduling.backends.base import CalendarRef, EventSpec, ProviderCalendar


class LocalBackend:
    name = "local"

    async def calendars(self, rep: CalendarRef) -> list[ProviderCalendar]:
        return [ProviderCalendar(id=f"local:{rep.rep}", name=rep.email, time_zone=None, primary=True)]

    async def busy(self, reps: Sequence[CalendarRef], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        return {}  # time off and bookings are read from the database by the service

    async def create_event(self, rep: CalendarRef, event: EventSpec) -> str | None:
        return None

    async def update_event(self, rep: CalendarRef, event_id: str, event: EventSpec) -> None:
        return None

    async def delete_event(self, rep: CalendarRef, event_id: str) -> None:
        return None

    async def aclose(self) -> None:
        return None
