"""A stateful stand-in for the Nylas v3 API: the endpoints the scheduling backend uses, with their real shapes.

Grants hold calendars and events in memory. Every answer is `{"request_id", "data"}` (lists add `next_cursor`),
every error `{"request_id", "error": {"type", "message"}}`, and every request must carry `Authorization: Bearer
<api key>`. `fail_next` makes the next requests fail with a chosen status (429 with Retry-After, 5xx, ...).

As strict as Nylas where a kinder fake would hide a bug:
- free/busy reports the `primary` calendar only (Nylas' free/busy guide); busy time on a rep's other calendars
  shows only in an events listing of that calendar;
- an all-day event (`when` a `date` or a `datespan`, end date inclusive) holds its days in its calendar's time zone;
- events need `calendar_id`, and a recurring event (`recurrence: ["RRULE:FREQ=DAILY|WEEKLY;COUNT=n"]`) is
  listed as its one master event unless `expand_recurring=true` asks for every occurrence in the range.
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ERROR_TYPES = {400: "invalid_request_error", 401: "unauthorized", 404: "not_found_error", 429: "rate_limit_error"}


@dataclass
class Grant:
    id: str
    email: str
    calendars: list[dict[str, Any]]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    retry_after: str | None


class NylasError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class FakeNylas:
    def __init__(self, api_key: str, *, page_size: int = 2) -> None:
        self.api_key = api_key
        self.page_size = page_size  # small, so paging with next_cursor is exercised
        self.grants: dict[str, Grant] = {}
        self.seen: list[tuple[str, str]] = []  # (method, path) of every request, failures included
        self._failures: list[Failure] = []
        self._ids = itertools.count(1)
        self.app = Starlette(
            routes=[
                Route("/v3/grants/{grant}/calendars", self.list_calendars, methods=["GET"]),
                Route("/v3/grants/{grant}/calendars/free-busy", self.free_busy, methods=["POST"]),
                Route("/v3/grants/{grant}/events", self.list_events, methods=["GET"]),
                Route("/v3/grants/{grant}/events", self.create_event, methods=["POST"]),
                Route("/v3/grants/{grant}/events/{event}", self.update_event, methods=["PUT"]),
                Route("/v3/grants/{grant}/events/{event}", self.delete_event, methods=["DELETE"]),
            ],
            exception_handlers={NylasError: _nylas_error},  # pyright: ignore[reportArgumentType]
        )
        self.app.add_middleware(_Guard, fake=self)  # pyright: ignore[reportArgumentType]

    # -- set-up and inspection for tests ----------------------------------------------------------------

    def add_grant(self, grant_id: str, email: str, time_zone: str = "UTC") -> Grant:
        """A connected account with its primary calendar, a second calendar of its own (`personal`), and a
        subscribed one it does not own (`colleague`, a teammate's calendar shared read-only)."""
        calendars = [
            _calendar(f"cal-{grant_id}-primary", grant_id, email, time_zone, primary=True),
            _calendar(f"cal-{grant_id}-personal", grant_id, "Personal", time_zone, primary=False),
            _calendar(f"cal-{grant_id}-colleague", grant_id, "Colleague", time_zone, primary=False, owned=False),
        ]
        self.grants[grant_id] = grant = Grant(grant_id, email, calendars)
        return grant

    def add_event(
        self,
        grant_id: str,
        start: datetime,
        end: datetime,
        title: str,
        *,
        busy: bool = True,
        calendar: str = "primary",
        recurrence: list[str] | None = None,
    ) -> str:
        """An event made in the rep's own calendar app, outside Salient, in calendar `cal-<grant>-<calendar>`."""
        grant = self.grants[grant_id]
        body: dict[str, Any] = {
            "title": title,
            "busy": busy,
            "when": {"start_time": int(start.timestamp()), "end_time": int(end.timestamp())},
        }
        if recurrence:
            body["recurrence"] = recurrence
        return self._store(grant, f"cal-{grant_id}-{calendar}", body)["id"]

    def add_all_day_event(
        self, grant_id: str, first: date, last: date, title: str, *, busy: bool = True, calendar: str = "primary"
    ) -> str:
        """An all-day event (one day, or a span of days) made in the rep's own calendar app."""
        when = (
            {"object": "date", "date": first.isoformat()}
            if first == last
            else {"object": "datespan", "start_date": first.isoformat(), "end_date": last.isoformat()}
        )
        grant = self.grants[grant_id]
        return self._store(grant, f"cal-{grant_id}-{calendar}", {"title": title, "busy": busy, "when": when})["id"]

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        self._failures += [Failure(status, retry_after)] * times

    def clear_failures(self) -> None:
        self._failures.clear()

    def events_of(self, grant_id: str) -> list[dict[str, Any]]:
        grant = self.grants[grant_id]
        return sorted(grant.events.values(), key=lambda e: self._occurrences(grant, e)[0][0])

    # -- the API ----------------------------------------------------------------------------------------

    def _grant(self, request: Request) -> Grant:
        grant = self.grants.get(request.path_params["grant"])
        if grant is None:
            raise NylasError(404, f"Grant {request.path_params['grant']!r} not found")
        return grant

    def _calendar_id(self, request: Request, grant: Grant) -> str:
        calendar = request.query_params.get("calendar_id")
        if not calendar:
            raise NylasError(400, "calendar_id is a required query parameter")
        if calendar not in {c["id"] for c in grant.calendars}:
            raise NylasError(404, f"Calendar {calendar!r} not found")
        return calendar

    def _page(self, request: Request, items: list[dict[str, Any]]) -> JSONResponse:
        limit = min(int(request.query_params.get("limit", 50)), self.page_size)
        offset = int(request.query_params.get("page_token") or 0)
        more = offset + limit < len(items)
        return _ok(items[offset : offset + limit], next_cursor=str(offset + limit) if more else None)

    async def list_calendars(self, request: Request) -> JSONResponse:
        return self._page(request, self._grant(request).calendars)

    async def list_events(self, request: Request) -> JSONResponse:
        grant = self._grant(request)
        calendar = self._calendar_id(request, grant)
        # Nylas v3: `start` means "ends after", `end` means "starts before": any overlap is returned.
        start, end = int(request.query_params.get("start", 0)), int(request.query_params.get("end", 2**40))
        expand = request.query_params.get("expand_recurring", "false").lower() == "true"
        found: list[dict[str, Any]] = []
        for event in self.events_of(grant.id):
            if event["calendar_id"] != calendar:
                continue
            if not expand and event.get("recurrence"):
                # Unexpanded, a recurring event is its master, listed if the series touches the range.
                spans = self._occurrences(grant, event)
                if spans[0][0] < end and spans[-1][1] > start:
                    found.append(event)
                continue
            found += [
                _instance(event, s, f) if event.get("recurrence") else event
                for s, f in self._occurrences(grant, event)
                if f > start and s < end
            ]
        return self._page(request, found)

    async def create_event(self, request: Request) -> JSONResponse:
        grant = self._grant(request)
        return _ok(self._store(grant, self._calendar_id(request, grant), await request.json()))

    async def update_event(self, request: Request) -> JSONResponse:
        grant = self._grant(request)
        calendar = self._calendar_id(request, grant)
        event = grant.events.get(request.path_params["event"])
        if event is None or event["calendar_id"] != calendar:
            raise NylasError(404, f"Event {request.path_params['event']!r} not found")
        body = await request.json()
        _check_when(body.get("when", event["when"]))
        event.update({k: v for k, v in body.items() if k in {"title", "description", "location", "busy", "metadata"}})
        if "when" in body:
            event["when"] = {"object": "timespan", **body["when"]}
        if "participants" in body:
            event["participants"] = [{"status": "noreply", **p} for p in body["participants"]]
        return _ok(event)

    async def delete_event(self, request: Request) -> JSONResponse:
        grant = self._grant(request)
        calendar = self._calendar_id(request, grant)
        event = grant.events.get(request.path_params["event"])
        if event is None or event["calendar_id"] != calendar:
            raise NylasError(404, f"Event {request.path_params['event']!r} not found")
        del grant.events[event["id"]]
        return JSONResponse({"request_id": _request_id()})

    async def free_busy(self, request: Request) -> JSONResponse:
        """Busy time of each email's primary calendar only, recurring events expanded (as Nylas reports it)."""
        self._grant(request)
        body = await request.json()
        start, end, emails = body["start_time"], body["end_time"], body["emails"]
        answers = []
        for email in emails:
            owner = next((g for g in self.grants.values() if g.email == email), None)
            if owner is None:
                answers.append({"email": email, "object": "error", "error": "Unable to resolve e-mail address"})
                continue
            primary = next(c["id"] for c in owner.calendars if c["is_primary"])
            spans = sorted(
                (s, f)
                for e in owner.events.values()
                if e["busy"] and e["calendar_id"] == primary
                for s, f in self._occurrences(owner, e)
                if f > start and s < end
            )
            merged: list[list[int]] = []
            for s, f in spans:  # providers report overlapping busy time as one slot
                if merged and s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], f)
                else:
                    merged.append([s, f])
            slots = [{"start_time": s, "end_time": f, "status": "busy", "object": "time_slot"} for s, f in merged]
            answers.append({"email": email, "object": "free_busy", "time_slots": slots})
        return _ok(answers)

    def _store(self, grant: Grant, calendar: str, body: dict[str, Any]) -> dict[str, Any]:
        _check_when(body.get("when"))
        event = {
            "id": f"ev{next(self._ids):05d}{uuid.uuid4().hex[:6]}",
            "grant_id": grant.id,
            "calendar_id": calendar,
            "object": "event",
            "busy": body.get("busy", True),
            "title": body.get("title", ""),
            "description": body.get("description"),
            "location": body.get("location"),
            "participants": [{"status": "noreply", **p} for p in body.get("participants", [])],
            "when": {"object": "timespan", **body["when"]},
            "status": "confirmed",
            "read_only": False,
            "metadata": body.get("metadata", {}),
            "organizer": {"email": grant.email, "name": ""},
        }
        if body.get("recurrence"):
            self._occurrences(grant, {**event, "recurrence": body["recurrence"]})  # refuses a rule it cannot expand
            event["recurrence"] = body["recurrence"]
        grant.events[event["id"]] = event
        return event

    def _occurrences(self, grant: Grant, event: dict[str, Any]) -> list[tuple[int, int]]:
        """(start, end) of every occurrence of `event`; all-day ones from midnight in its calendar's zone."""
        when = event["when"]
        if when.get("object") in ("date", "datespan"):
            zone = ZoneInfo(next(c["timezone"] for c in grant.calendars if c["id"] == event["calendar_id"]))
            first, last = (when["date"],) * 2 if when["object"] == "date" else (when["start_date"], when["end_date"])

            def midnight(day: date) -> int:
                return int(datetime.combine(day, time(), zone).astimezone(UTC).timestamp())

            return [(midnight(date.fromisoformat(first)), midnight(date.fromisoformat(last) + timedelta(days=1)))]
        return _occurrences(event)


RRULE = re.compile(r"RRULE:FREQ=(DAILY|WEEKLY);COUNT=(\d+)")
STEP = {"DAILY": 86_400, "WEEKLY": 7 * 86_400}


def _occurrences(event: dict[str, Any]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of `event`: itself, or each one its recurrence rule makes."""
    start, end = event["when"]["start_time"], event["when"]["end_time"]
    if not event.get("recurrence"):
        return [(start, end)]
    rule = RRULE.fullmatch(event["recurrence"][0])
    if rule is None:
        raise NylasError(400, f"recurrence {event['recurrence']!r}: this fake knows FREQ=DAILY|WEEKLY;COUNT=n")
    step = STEP[rule[1]]
    return [(start + n * step, end + n * step) for n in range(int(rule[2]))]


def _instance(master: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    """One occurrence of a recurring event as an expanded listing shows it."""
    instance = {k: v for k, v in master.items() if k != "recurrence"}
    instance |= {"id": f"{master['id']}_{start}", "master_event_id": master["id"]}
    return instance | {"when": {**master["when"], "start_time": start, "end_time": end}}


ALL_DAY = {"date": {"date"}, "datespan": {"start_date", "end_date"}}


def _check_when(when: Any) -> None:
    if isinstance(when, dict) and when.get("object") in ALL_DAY and ALL_DAY[when["object"]] <= set(when):
        return
    if not isinstance(when, dict) or not {"start_time", "end_time"} <= set(when):
        raise NylasError(400, "when must be a timespan with start_time and end_time")
    if when["end_time"] <= when["start_time"]:
        raise NylasError(400, "end_time must be after start_time")


class _Guard:
    """Checks the API key and plays scripted failures before any endpoint runs."""

    def __init__(self, app: Any, fake: FakeNylas) -> None:
        self.app, self.fake = app, fake

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        self.fake.seen.append((request.method, request.url.path))
        if request.headers.get("authorization") != f"Bearer {self.fake.api_key}":
            response = _error(401, "Unauthorized: the API key is missing or invalid")
        elif self.fake._failures:
            failure = self.fake._failures.pop(0)
            response = _error(failure.status, "Scripted failure")
            if failure.retry_after is not None:
                response.headers["Retry-After"] = failure.retry_after
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


def _calendar(cal_id: str, grant: str, name: str, zone: str, *, primary: bool, owned: bool = True) -> dict[str, Any]:
    return {
        "id": cal_id,
        "grant_id": grant,
        "name": name,
        "object": "calendar",
        "timezone": zone,
        "is_primary": primary,
        "read_only": not owned,
        "is_owned_by_user": owned,
    }


async def _nylas_error(_request: Request, exc: NylasError) -> JSONResponse:
    return _error(exc.status, exc.message)


def _request_id() -> str:
    return uuid.uuid4().hex


def _ok(data: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"request_id": _request_id(), "data": data, **extra})


def _error(status: int, message: str) -> JSONResponse:
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return JSONResponse({"request_id": _request_id(), "error": {"type": kind, "message": message}}, status_code=status)
