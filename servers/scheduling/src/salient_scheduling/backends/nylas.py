"""The Nylas v3 backend: reps' real calendars (Google, Microsoft, ...) through the `nylas` SDK.

Each rep is a Nylas grant (`reps.grant_id`). Bookings become events in the grant's primary calendar. Busy time
is the grant's free/busy, which Nylas computes from the primary calendar only, plus the busy events listed from
every calendar the rep owns (primary included, recurring events expanded), so a meeting in the rep's second
calendar blocks too and busy time that mirrors a booking is recognised by its event id. Calendars the rep only
subscribes to (a teammate's, a holidays feed) hold other people's time and are not read. A busy all-day event
blocks its days from midnight to midnight in its calendar's time zone (a date span counted inclusive of its end
date: blocking a day too many cannot double-book the rep).

The SDK is synchronous (`requests`), so every call runs in a worker thread and the event loop never waits on
the network. Nylas errors become `ProviderUnavailable` and its subclasses; a 429 is retried a bounded number
of times after the Retry-After it names, but never for longer than `max_retry_wait`, because booking holds the
rep's lock while it talks to Nylas.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from nylas import Client
from nylas.models.calendars import ListCalendarsQueryParams
from nylas.models.errors import NylasApiError, NylasSdkTimeoutError
from nylas.models.events import (
    CreateEventQueryParams,
    CreateEventRequest,
    Date,
    Datespan,
    DestroyEventQueryParams,
    Event,
    ListEventQueryParams,
    Timespan,
    UpdateEventQueryParams,
    UpdateEventRequest,
)
from nylas.models.free_busy import FreeBusy, FreeBusyError, GetFreeBusyRequest

from salient_scheduling.availability import Busy
from salient_scheduling.backends.base import CalendarRef, EventSpec, ProviderCalendar
from salient_scheduling.backends.nylas_errors import domain_error, retry_after
from salient_scheduling.errors import ProviderNotFound, ProviderUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)
PAGE = 200  # events per page; a rep's busy window rarely needs a second page
CALENDARS_TTL = 300.0  # seconds a grant's list of calendars is trusted; a calendar added since counts after it


def _monotonic() -> float:
    return asyncio.get_running_loop().time()


def _unix(at: datetime) -> int:
    return int(at.timestamp())


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _span(event: Event, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """When a busy event holds the rep: a timespan as it is, all-day dates from midnight to midnight in `zone`."""
    when = event.when
    if isinstance(when, Timespan):
        return _instant(when.start_time), _instant(when.end_time)
    if isinstance(when, Date | Datespan):
        first, last = (when.date, when.date) if isinstance(when, Date) else (when.start_date, when.end_date)
        return _midnight(date.fromisoformat(first), zone), _midnight(date.fromisoformat(last) + timedelta(days=1), zone)
    return None  # a moment (`time`) holds no span of the rep's day


class NylasBackend:
    name = "nylas"

    def __init__(self, client: Client, *, max_retries: int = 3, max_retry_wait: float = 10.0) -> None:
        self._client = client
        self._max_retries = max_retries
        self._max_wait = max_retry_wait
        # grant -> (when read, its primary calendar, the calendars it owns); calendars rarely change
        self._known: dict[str, tuple[float, str, tuple[ProviderCalendar, ...]]] = {}

    async def _call(self, what: str, fn: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return await asyncio.to_thread(fn)
            except NylasApiError as exc:
                wait = retry_after(exc.headers, attempt)
                if exc.status_code == 429 and attempt < self._max_retries and wait <= self._max_wait:
                    attempt += 1
                    log.info("Nylas rate limited %s; retry %d in %.1f s", what, attempt, wait)
                    await asyncio.sleep(wait)
                    continue
                raise domain_error(what, exc, attempt, wait) from exc
            except NylasSdkTimeoutError as exc:
                raise ProviderUnavailable(f"Nylas did not answer ({what}) within {exc.timeout} s") from exc
            except requests.RequestException as exc:  # refused connection, DNS, a body that is not JSON
                raise ProviderUnavailable(f"could not reach Nylas ({what}): {type(exc).__name__}") from exc

    async def calendars(self, rep: CalendarRef) -> list[ProviderCalendar]:
        found: list[ProviderCalendar] = []
        params: ListCalendarsQueryParams = {"limit": PAGE}
        while True:
            page = await self._call(
                f"calendars of grant {rep.grant!r}",
                lambda p=params: self._client.calendars.list(rep.grant, query_params=p),
            )
            found += [
                ProviderCalendar(c.id, c.name, c.timezone, bool(c.is_primary), owned=bool(c.is_owned_by_user))
                for c in page.data
            ]
            if not page.next_cursor:
                return found
            params = {"limit": PAGE, "page_token": page.next_cursor}

    async def _calendar_ids(self, rep: CalendarRef) -> tuple[str, tuple[ProviderCalendar, ...]]:
        """The rep's primary calendar's id and every calendar they own (primary first), re-read after
        CALENDARS_TTL."""
        known = self._known.get(rep.grant)
        if known is None or _monotonic() - known[0] > CALENDARS_TTL:
            calendars = await self.calendars(rep)
            primary = next((c for c in calendars if c.primary), None)
            if primary is None:
                raise ProviderNotFound(
                    f"grant {rep.grant!r} ({rep.email}) has no primary calendar at Nylas",
                    hint="Reconnect the rep's calendar in Nylas, or fix reps.grant_id.",
                )
            owned = (primary, *(c for c in calendars if c.owned and not c.primary))
            known = self._known[rep.grant] = (_monotonic(), primary.id, owned)
        return known[1], known[2]

    async def _calendar_id(self, rep: CalendarRef) -> str:
        return (await self._calendar_ids(rep))[0]

    async def _events(self, rep: CalendarRef, calendar: str, start: datetime, end: datetime) -> list[Event]:
        # `start`/`end` select every event that overlaps the range, not only those starting in it. Unexpanded, a
        # recurring event would be listed once, as its first occurrence, and its later ones would not block.
        params: ListEventQueryParams = {
            "calendar_id": calendar,
            "start": _unix(start),
            "end": _unix(end),
            "expand_recurring": True,
            "limit": PAGE,
        }
        events: list[Event] = []
        while True:
            page = await self._call(
                f"events of grant {rep.grant!r} in calendar {calendar!r}",
                lambda p=params: self._client.events.list(rep.grant, query_params=p),
            )
            events += page.data
            if not page.next_cursor:
                return events
            params = {**params, "page_token": page.next_cursor}

    async def _busy_of(self, rep: CalendarRef, start: datetime, end: datetime) -> list[Busy]:
        _, calendars = await self._calendar_ids(rep)
        body: GetFreeBusyRequest = {"start_time": _unix(start), "end_time": _unix(end), "emails": [rep.email]}
        answer, listings = await asyncio.gather(
            self._call(
                f"free/busy of {rep.email}", lambda: self._client.calendars.get_free_busy(rep.grant, request_body=body)
            ),
            asyncio.gather(*(self._events(rep, calendar.id, start, end) for calendar in calendars)),
        )
        spans: set[tuple[int, int]] = set()
        busy: list[Busy] = []
        for calendar, listing in zip(calendars, listings, strict=True):
            for e in listing:
                span = _span(e, _zone(calendar.time_zone)) if e.busy and e.status != "cancelled" else None
                if span is not None:
                    spans.add((_unix(span[0]), _unix(span[1])))
                    busy.append(Busy(*span, event_id=e.id))
        # The SDK annotates `data` as a list of lists; it is one flat list of FreeBusy or FreeBusyError.
        items = cast(list[FreeBusy | FreeBusyError], answer.data)
        for item in items:
            if isinstance(item, FreeBusyError):
                # Without the rep's busy time any slot offered could double-book them.
                raise ProviderUnavailable(f"Nylas could not read free/busy for {item.email}: {item.error}")
            # Busy time the listings may not show (the provider's own view of the primary calendar); spans equal
            # to a listed event are that event.
            busy += [
                Busy(_instant(t.start_time), _instant(t.end_time))
                for t in item.time_slots
                if t.status == "busy" and (t.start_time, t.end_time) not in spans
            ]
        return busy

    async def busy(self, reps: Sequence[CalendarRef], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        found = await asyncio.gather(*(self._busy_of(r, start, end) for r in reps))
        return {r.rep: b for r, b in zip(reps, found, strict=True)}

    @staticmethod
    def _body(event: EventSpec) -> CreateEventRequest:
        return {
            "title": event.title,
            "description": event.description,
            "location": event.location,
            "when": {"start_time": _unix(event.start), "end_time": _unix(event.end)},
            "participants": [{"email": event.attendee_email, "name": event.attendee_name}],
            "busy": True,
            "metadata": {"salient_booking": event.booking_id},
        }

    async def create_event(self, rep: CalendarRef, event: EventSpec) -> str | None:
        # The booking result carries the .ics invite; letting the provider mail one too would send two.
        params: CreateEventQueryParams = {"calendar_id": await self._calendar_id(rep), "notify_participants": False}
        made = await self._call(
            f"create event for booking {event.booking_id!r}",
            lambda: self._client.events.create(rep.grant, request_body=self._body(event), query_params=params),
        )
        return made.data.id

    async def update_event(self, rep: CalendarRef, event_id: str, event: EventSpec) -> None:
        params: UpdateEventQueryParams = {"calendar_id": await self._calendar_id(rep), "notify_participants": False}
        body = cast(UpdateEventRequest, self._body(event))  # every field of a create is also valid in an update
        await self._call(
            f"update event {event_id!r}",
            lambda: self._client.events.update(rep.grant, event_id, request_body=body, query_params=params),
        )

    async def delete_event(self, rep: CalendarRef, event_id: str) -> None:
        params: DestroyEventQueryParams = {"calendar_id": await self._calendar_id(rep), "notify_participants": False}
        try:
            await self._call(
                f"delete event {event_id!r}",
                lambda: self._client.events.destroy(rep.grant, event_id, query_params=params),
            )
        except ProviderNotFound:  # already deleted in the rep's calendar: the outcome we wanted
            log.info("event %s was already gone from grant %s", event_id, rep.grant)

    async def aclose(self) -> None:
        return None  # the SDK opens a fresh HTTP connection per request; nothing is pooled
