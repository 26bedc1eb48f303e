"""Builds reps' calendars from the database and the backend, and judges a single requested slot.

Used both by `find_availability` (outside any lock) and by booking (inside the rep's lock), so the offer and
the re-check apply exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from salient_scheduling import repository as repo
from salient_scheduling.availability import Busy, RepCalendar, Rules, clashes, free_slots, parse_hours, working_spans
from salient_scheduling.backends.base import CalendarBackend
from salient_scheduling.errors import SlotNotOffered, SlotTaken
from salient_scheduling.models import Rep
from salient_scheduling.views import calendar_ref, zone_of

# Buffers are at most a few hours; reading this much further on each side catches every booking whose
# buffer could reach into the range.
MARGIN = timedelta(days=1)


async def load_calendars(
    session: AsyncSession,
    backend: CalendarBackend,
    account: str,
    reps: Sequence[Rep],
    start: datetime,
    end: datetime,
    *,
    ignore_booking: str | None = None,
) -> dict[int, RepCalendar]:
    """Each rep's hours, holidays and busy time (bookings with their buffers, time off, provider busy)."""
    lo, hi = start - MARGIN, end + MARGIN
    rows = await repo.busy_rows(
        session, account, [r.id for r in reps], lo, hi, (lo - MARGIN).date(), (hi + MARGIN).date()
    )
    external = await backend.busy([calendar_ref(r) for r in reps], lo, hi)
    busy: dict[int | None, list[Busy]] = {r.id: [] for r in reps}
    days: dict[int | None, set[date]] = {r.id: set() for r in reps}
    days[None] = set()  # company-wide holidays
    own_events: set[str] = set()
    ignored: set[str] = set()
    minutes: dict[int, timedelta] = {}
    for kind, rep_id, starts, ends, before, after, booking_id, event_id, day in rows:
        if kind == "holiday":
            days[rep_id].add(day)  # pyright: ignore[reportArgumentType]
            continue
        assert starts is not None and ends is not None
        if kind == "time_off":
            busy[rep_id].append(Busy(starts, ends))
            continue
        if event_id:
            own_events.add(event_id)
        if booking_id == ignore_booking:
            if event_id:
                ignored.add(event_id)
            continue
        pad_before = minutes.get(before) or minutes.setdefault(before, timedelta(minutes=before))
        pad_after = minutes.get(after) or minutes.setdefault(after, timedelta(minutes=after))
        busy[rep_id].append(Busy(starts, ends, pad_before, pad_after))
    calendars = {}
    for rep in reps:
        # Provider events that mirror bookings are already counted above (or are the booking being moved).
        mine = busy[rep.id]
        mine += [x for x in external.get(rep.key, []) if x.event_id is None or x.event_id not in own_events | ignored]
        calendars[rep.id] = RepCalendar(
            key=rep.key,
            zone=zone_of(rep.time_zone),
            hours=parse_hours(rep.working_hours),
            holidays=frozenset(days[None] | days[rep.id]),
            busy=tuple(mine),
        )
    return calendars


def check_slot(cal: RepCalendar, rules: Rules, rep: Rep, start: datetime, now: datetime, meeting_type: str) -> None:
    """Raise SlotNotOffered or SlotTaken unless `start` is a slot find_availability would offer now."""
    end = start + rules.duration
    local = start.astimezone(cal.zone)
    where = f"{start.isoformat()} ({local:%a %Y-%m-%d %H:%M} {local.tzname()} for {rep.name})"
    retry = "Call find_availability and pick one of its slots."
    if start < now:
        raise SlotNotOffered(f"The slot {where} is in the past; it is now {now.isoformat()}.", hint=retry)
    if start < now + rules.notice:
        raise SlotNotOffered(
            f"{meeting_type!r} needs {_minutes(rules.notice)} of notice; {where} is too soon "
            f"(earliest start {(now + rules.notice).isoformat()}).",
            hint=retry,
        )
    if start > now + rules.horizon:
        raise SlotNotOffered(
            f"{meeting_type!r} can be booked at most {rules.horizon.days} days ahead; {where} is beyond "
            f"{(now + rules.horizon).isoformat()}.",
            hint=retry,
        )
    if local.date() in cal.holidays:
        raise SlotNotOffered(f"The slot {where} falls on a holiday for {rep.name}.", hint=retry)
    if not any(s <= start and end <= e for s, e in working_spans(cal, start, end)):
        raise SlotNotOffered(f"The slot {where} is outside {rep.name}'s working hours.", hint=retry)
    hit = clashes(start, end, rules, cal.busy)
    if hit is not None:
        raise SlotTaken(
            f"{rep.name} is not free at {where}: it overlaps another meeting or time off "
            f"({hit.start.isoformat()} to {hit.end.isoformat()}, buffers included).",
            hint="The slot may have just been taken. " + retry,
        )
    offered = free_slots(cal, rules, now=now, window_start=start, window_end=end, limit=1)
    if offered != [start]:
        raise SlotNotOffered(
            f"{where} is not an offered start time for {meeting_type!r} (slots start every "
            f"{_minutes(rules.step)} from the start of working hours).",
            hint=retry,
        )


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 and minutes >= 60 else f"{minutes} min"
