"""Free slots from working hours, holidays, busy time and a meeting type's rules; pure functions, no I/O.

Working hours are wall-clock periods in the rep's zone. A period on a given local date becomes one span of real
time: from the first instant the rep's clock shows its start to the last instant it shows a time before its end.
So on the day clocks go forward, a period across the skipped hour is an hour shorter and no slot starts at a
wall time that never happens; on the day they go back it is an hour longer and each slot is a distinct instant.
Everything after that step is arithmetic on UTC instants.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Busy:
    """Time the rep is taken; `before`/`after` are the buffers that protect an existing booking."""

    start: datetime
    end: datetime
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)
    event_id: str | None = None  # the provider's event, when the busy time came from one


@dataclass(frozen=True)
class RepCalendar:
    key: str
    zone: ZoneInfo
    hours: Mapping[int, Sequence[tuple[time, time]]]  # weekday (Monday 0) -> local periods
    holidays: frozenset[date] = frozenset()
    busy: Sequence[Busy] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rules:
    """A meeting type's timing rules."""

    duration: timedelta
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)
    notice: timedelta = timedelta(0)
    horizon: timedelta = timedelta(days=30)
    step: timedelta = timedelta(minutes=15)


def parse_hours(raw: Mapping[str, Sequence[Sequence[str]]]) -> dict[int, list[tuple[time, time]]]:
    """`{"mon": [["09:00", "17:00"]]}` to `{0: [(09:00, 17:00)]}`; raises ValueError on a bad entry."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for day, periods in raw.items():
        weekday = WEEKDAYS.index(day.lower()[:3])
        for start, end in periods:
            begin, finish = time.fromisoformat(start), time.fromisoformat(end)
            if finish <= begin:
                raise ValueError(f"working period {start}-{end} on {day} ends before it starts")
            hours.setdefault(weekday, []).append((begin, finish))
    return hours


def wall_instant(day: date, at: time, zone: ZoneInfo, *, last: bool = False) -> datetime:
    """The UTC instant when the clock in `zone` shows `at` on `day`.

    A repeated wall time gives its first occurrence, or its second with `last`; a skipped one gives the
    moment the clocks jumped (the first instant whose wall time is at or after `at`).
    """
    naive = datetime.combine(day, at)
    early = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return early
    low, high = min(early, late), max(early, late)
    if low.astimezone(zone).replace(tzinfo=None) == naive:  # repeated hour: both instants are real
        return high if last else low
    while high - low > MINUTE:  # skipped hour: find the jump by bisection, to the minute
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(second=0, microsecond=0)


def working_spans(cal: RepCalendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The rep's working time that overlaps [start, end), as UTC spans, in order."""
    first = start.astimezone(cal.zone).date() - timedelta(days=1)
    last = end.astimezone(cal.zone).date() + timedelta(days=1)
    spans = []
    day = first
    while day <= last:
        if day not in cal.holidays:
            for begin, finish in cal.hours.get(day.weekday(), ()):
                s = wall_instant(day, begin, cal.zone)
                e = wall_instant(day, finish, cal.zone, last=True)
                if s < end and e > start:
                    spans.append((s, e))
        day += timedelta(days=1)
    return sorted(spans)


def clashes(slot_start: datetime, slot_end: datetime, rules: Rules, busy: Iterable[Busy]) -> Busy | None:
    """The first busy entry the slot collides with, counting both its buffers and the entry's."""
    for b in busy:
        if slot_start - rules.before < b.end and slot_end + rules.after > b.start:
            return b
        if slot_start < b.end + b.after and slot_end > b.start - b.before:
            return b
    return None


def bounds(rules: Rules, now: datetime, window_start: datetime, window_end: datetime) -> tuple[datetime, datetime]:
    """Earliest and latest allowed slot start: the window cut by minimum notice and the horizon."""
    earliest = max(window_start, now + rules.notice)
    latest = min(window_end - rules.duration, now + rules.horizon)
    return earliest, latest


def blocked_starts(busy: Iterable[Busy], rules: Rules) -> list[tuple[datetime, datetime]]:
    """The open intervals (a, c) of slot starts that busy time rules out, merged and in order.

    A slot starting at s clashes with an entry when [s - rules.before, s + duration + rules.after) meets the
    entry, or [s, s + duration) meets the entry widened by its own buffers (`clashes`); each condition holds
    for s in one open interval, so the free starts are what lies outside their union.
    """
    spans = []
    for b in busy:
        for low, high in ((b.start - rules.after, b.end + rules.before), (b.start - b.before, b.end + b.after)):
            if high > low - rules.duration:
                spans.append((low - rules.duration, high))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, c in spans:
        if merged and a < merged[-1][1]:  # overlapping open intervals: one interval (touching ones are not)
            if c > merged[-1][1]:
                merged[-1] = (merged[-1][0], c)
        else:
            merged.append((a, c))
    return merged


def free_slots(
    cal: RepCalendar,
    rules: Rules,
    *,
    now: datetime,
    window_start: datetime,
    window_end: datetime,
    limit: int | None = None,
) -> list[datetime]:
    """Start instants (UTC) of free slots in the window, earliest first.

    Slots start on the meeting type's step counted from the start of each working period, lie wholly inside
    it, respect minimum notice and the horizon, and clash with no busy time or buffer.
    """
    earliest, latest = bounds(rules, now, window_start, window_end)
    if latest < earliest:
        return []
    # One sweep per working period over the merged busy intervals: a blocked start jumps straight to the
    # first step after the interval, so the work grows with slots plus bookings, not their product.
    blocked = blocked_starts(cal.busy, rules)
    ends = [c for _, c in blocked]
    step = rules.step
    found: list[datetime] = []
    for span_start, span_end in working_spans(cal, earliest, latest + rules.duration):
        slot = span_start
        if slot < earliest:  # jump ahead on the step grid instead of walking minute by minute
            slot = span_start - ((span_start - earliest) // step) * step
        stop = min(latest, span_end - rules.duration)
        i = bisect_right(ends, slot)  # the first blocked interval that ends after the slot starts
        while slot <= stop:
            while i < len(blocked) and blocked[i][1] <= slot:
                i += 1
            if i < len(blocked) and blocked[i][0] < slot:  # inside a blocked interval: go to its end
                slot = span_start - ((span_start - blocked[i][1]) // step) * step
                continue
            found.append(slot)
            if limit is not None and len(found) >= limit:
                return found
            slot += step
    return found
