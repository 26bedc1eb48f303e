"""Property-based checks of the availability engine (hypothesis) over zones, dates, hours, bookings and rules.

Dates are drawn mostly from the days that break naive code: each zone's own daylight-saving changes (both ways,
found by scanning its offsets rather than listed by hand) and month and year ends, with arbitrary days mixed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from salient_scheduling.availability import Busy, RepCalendar, Rules, bounds, clashes, free_slots, working_spans

ZONES = [
    "America/Denver",
    "Australia/Sydney",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/St_Johns",
    "Australia/Lord_Howe",  # a half-hour change of clocks
    "Pacific/Chatham",
    "Pacific/Kiritimati",  # UTC+14: its local dates run a day ahead of most of the world
    "UTC",
]
FIRST, LAST = date(2027, 1, 1), date(2028, 12, 31)


def clock_changes(zone: ZoneInfo) -> list[date]:
    """Local dates in [FIRST, LAST] on which the zone's UTC offset changes (spring forward or fall back)."""
    days = []
    day = FIRST
    while day < LAST:
        here = datetime.combine(day, time(0), tzinfo=UTC).astimezone(zone).utcoffset()
        there = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC).astimezone(zone).utcoffset()
        if here != there:
            days.append(day)
        day += timedelta(days=1)
    return days


CHANGES = {name: clock_changes(ZoneInfo(name)) for name in ZONES}
MONTH_ENDS = [
    date(y, m + 1, 1) - timedelta(days=1) if m < 12 else date(y, 12, 31) for y in (2027, 2028) for m in range(1, 13)
]
MINUTES = st.sampled_from([0, 15, 30, 45])


@st.composite
def periods(draw: st.DrawFn) -> list[tuple[time, time]]:
    """One or two working periods in a day, in order and not overlapping."""
    first_start = draw(st.integers(0, 11))
    begin = time(first_start, draw(MINUTES))
    finish = time(draw(st.integers(first_start + 1, 23)), draw(st.sampled_from([0, 30])))
    result = [(begin, finish)]
    if finish.hour <= 21 and draw(st.booleans()):
        later = draw(st.integers(finish.hour + 1, 22))
        result.append((time(later, 0), time(draw(st.integers(later + 1, 23)), 45)))
    return result


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RepCalendar, Rules, datetime, datetime]:
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    anchors = CHANGES[name] + MONTH_ENDS
    day = draw(st.one_of(st.sampled_from(anchors), st.dates(FIRST, LAST)))
    # Start the window a little before the anchor day so slots on both sides of the change are offered.
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) - timedelta(hours=draw(st.integers(0, 30)))
    day_periods = draw(periods())
    weekdays = draw(st.sets(st.integers(0, 6), min_size=1))
    hours = {d: day_periods for d in weekdays}
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        b = start + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 4)))
        pad = timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15])))
        busy.append(Busy(b, b + timedelta(minutes=draw(st.sampled_from([15, 30, 60, 90]))), pad, pad))
    rules = Rules(
        duration=timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60]))),
        before=timedelta(minutes=draw(st.sampled_from([0, 10, 15]))),
        after=timedelta(minutes=draw(st.sampled_from([0, 5, 10]))),
        notice=timedelta(minutes=draw(st.sampled_from([0, 60, 240]))),
        step=timedelta(minutes=draw(st.sampled_from([15, 30]))),
    )
    cal = RepCalendar(key="r", zone=zone, hours=hours, busy=tuple(busy))
    now = start - timedelta(hours=draw(st.integers(0, 6)))
    return cal, rules, now, start


# No example database: failures print their falsifying example, and the tree stays free of .hypothesis/.
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_offered_slot_is_inside_hours_clear_of_buffers_and_bookings(
    scenario: tuple[RepCalendar, Rules, datetime, datetime],
) -> None:
    cal, rules, now, start = scenario
    end = start + timedelta(days=3)
    slots = free_slots(cal, rules, now=now, window_start=start, window_end=end)
    assert slots == sorted(set(slots))
    for s in slots:
        e = s + rules.duration
        assert s.tzinfo is UTC
        assert start <= s and e <= end and s >= now + rules.notice
        # Inside one working period of the rep's local day: first and last instants both fall within it.
        local_start, local_last = s.astimezone(cal.zone), (e - timedelta(seconds=1)).astimezone(cal.zone)
        assert local_start.date() == local_last.date()
        day_periods = cal.hours.get(local_start.weekday(), [])
        assert any(b <= local_start.time() and local_last.time() < f for b, f in day_periods), (s, day_periods)
        for b in cal.busy:
            assert e + rules.after <= b.start or s - rules.before >= b.end, (s, b)  # the slot's own buffers
            assert e <= b.start - b.before or s >= b.end + b.after, (s, b)  # the booking's buffers


@settings(max_examples=40, deadline=None, database=None)
@given(scenarios())
def test_a_slot_stays_offered_when_the_window_is_cut_to_it(
    scenario: tuple[RepCalendar, Rules, datetime, datetime],
) -> None:
    """What booking relies on: each slot offered in a wide window is offered again in a window of its own."""
    cal, rules, now, start = scenario
    slots = free_slots(cal, rules, now=now, window_start=start, window_end=start + timedelta(days=3))
    for s in slots[:: max(1, len(slots) // 5)]:
        assert free_slots(cal, rules, now=now, window_start=s, window_end=s + rules.duration, limit=1) == [s]


def every_step_checked(cal: RepCalendar, rules: Rules, now: datetime, start: datetime, end: datetime) -> list[datetime]:
    """The definition, slowly: every step of every working period, each tested against every busy entry."""
    earliest, latest = bounds(rules, now, start, end)
    found = []
    for span_start, span_end in working_spans(cal, earliest, latest + rules.duration):
        slot = span_start
        while slot + rules.duration <= span_end and slot <= latest:
            if slot >= earliest and clashes(slot, slot + rules.duration, rules, cal.busy) is None:
                found.append(slot)
            slot += rules.step
    return found if latest >= earliest else []


@st.composite
def crowded(draw: st.DrawFn) -> tuple[RepCalendar, Rules, datetime, datetime]:
    """A scenario with many bookings, long ones, zero-length ones and uneven buffers on either side."""
    cal, rules, now, start = draw(scenarios())
    busy = list(cal.busy)
    for _ in range(draw(st.integers(0, 40))):
        b = start + timedelta(minutes=5 * draw(st.integers(-12 * 12, 12 * 24 * 3)))
        length = timedelta(minutes=draw(st.sampled_from([0, 5, 15, 50, 240, 600])))
        before, after = (timedelta(minutes=draw(st.sampled_from([0, 5, 20, 45]))) for _ in range(2))
        busy.append(Busy(b, b + length, before, after))
    return RepCalendar(key=cal.key, zone=cal.zone, hours=cal.hours, busy=tuple(busy)), rules, now, start


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(crowded())
def test_the_sweep_offers_exactly_the_slots_a_check_of_every_step_finds(
    scenario: tuple[RepCalendar, Rules, datetime, datetime],
) -> None:
    """Completeness as well as safety: no free step is skipped when busy intervals are jumped over."""
    cal, rules, now, start = scenario
    end = start + timedelta(days=3)
    assert free_slots(cal, rules, now=now, window_start=start, window_end=end) == every_step_checked(
        cal, rules, now, start, end
    )
