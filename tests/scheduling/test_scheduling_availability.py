"""The availability engine on its own: DST both ways, month and year ends, buffers, notice, horizon, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from salient_scheduling.availability import Busy, RepCalendar, Rules, free_slots, wall_instant, working_spans

DENVER = ZoneInfo("America/Denver")
EVERY_DAY = range(7)


def calendar(zone: str, start: str, end: str, **extra: Any) -> RepCalendar:
    period = (time.fromisoformat(start), time.fromisoformat(end))
    return RepCalendar(key="rep", zone=ZoneInfo(zone), hours={d: [period] for d in EVERY_DAY}, **extra)


def slots_on(cal: RepCalendar, day: date, rules: Rules) -> list[datetime]:
    start = datetime.combine(day, time(0), tzinfo=cal.zone)
    return free_slots(
        cal, rules, now=start - timedelta(days=1), window_start=start, window_end=start + timedelta(days=1, hours=2)
    )


HOUR = Rules(duration=timedelta(minutes=30), step=timedelta(minutes=30))

# (case, zone, hours, local date, expected slot count, local wall times that must not appear)
DST_CASES = [
    ("denver spring forward", "America/Denver", ("00:00", "05:00"), date(2027, 3, 14), 8, {"02:00", "02:30"}),
    ("denver fall back", "America/Denver", ("00:00", "05:00"), date(2027, 11, 7), 12, set()),
    ("denver ordinary night", "America/Denver", ("00:00", "05:00"), date(2027, 3, 15), 10, set()),
    ("sydney autumn back", "Australia/Sydney", ("01:00", "04:00"), date(2027, 4, 4), 8, set()),
    ("sydney spring forward", "Australia/Sydney", ("01:00", "04:00"), date(2027, 10, 3), 4, {"02:00", "02:30"}),
    ("berlin spring forward", "Europe/Berlin", ("01:00", "04:00"), date(2027, 3, 28), 4, {"02:00", "02:30"}),
    ("lord howe half hour", "Australia/Lord_Howe", ("01:00", "03:00"), date(2027, 4, 4), 5, set()),
]


@pytest.mark.parametrize(
    ("zone", "hours", "day", "count", "never"), [c[1:] for c in DST_CASES], ids=[c[0] for c in DST_CASES]
)
def test_dst_transitions(zone: str, hours: tuple[str, str], day: date, count: int, never: set[str]) -> None:
    cal = calendar(zone, *hours)
    slots = [s for s in slots_on(cal, day, HOUR) if s.astimezone(cal.zone).date() == day]
    assert len(slots) == count
    assert len(set(slots)) == len(slots)  # no instant twice in the repeated hour
    walls = [f"{s.astimezone(cal.zone):%H:%M}" for s in slots]
    assert not never & set(walls)  # nothing in the skipped hour
    for s in slots:
        assert s.tzinfo is UTC
        assert hours[0] <= f"{s.astimezone(cal.zone):%H:%M}" < hours[1]


def test_repeated_hour_offers_both_instants_with_their_offsets() -> None:
    cal = calendar("America/Denver", "00:00", "05:00")
    slots = slots_on(cal, date(2027, 11, 7), HOUR)
    local = [s.astimezone(DENVER) for s in slots if s.astimezone(DENVER).date() == date(2027, 11, 7)]
    one_thirty = [t.isoformat() for t in local if f"{t:%H:%M}" == "01:30"]
    assert one_thirty == ["2027-11-07T01:30:00-06:00", "2027-11-07T01:30:00-07:00"]


@pytest.mark.parametrize(
    ("at", "last", "expected"),
    [
        (time(2, 30), False, "2027-03-14T09:00:00+00:00"),  # skipped: the moment the clocks jumped
        (time(1, 30), False, "2027-11-07T07:30:00+00:00"),  # repeated: first occurrence
        (time(1, 30), True, "2027-11-07T08:30:00+00:00"),  # repeated, as an end: second occurrence
        (time(9, 0), False, "2027-03-14T15:00:00+00:00"),
    ],
)
def test_wall_instant(at: time, last: bool, expected: str) -> None:
    day = date(2027, 3, 14) if expected.startswith("2027-03") else date(2027, 11, 7)
    assert wall_instant(day, at, DENVER, last=last).isoformat() == expected


def test_working_day_us_dst_start_and_end_for_a_denver_rep() -> None:
    cal = calendar("America/Denver", "09:00", "17:00")
    spring = working_spans(cal, datetime(2027, 3, 14, 12, tzinfo=UTC), datetime(2027, 3, 14, 20, tzinfo=UTC))
    assert (datetime(2027, 3, 14, 15, tzinfo=UTC), datetime(2027, 3, 14, 23, tzinfo=UTC)) in spring
    autumn = working_spans(cal, datetime(2027, 11, 7, 12, tzinfo=UTC), datetime(2027, 11, 7, 20, tzinfo=UTC))
    assert (datetime(2027, 11, 7, 16, tzinfo=UTC), datetime(2027, 11, 8, 0, tzinfo=UTC)) in autumn


def test_month_and_year_ends_follow_local_dates() -> None:
    # Sydney's 1 May starts on 30 April in UTC; slots must land on the local date they belong to.
    cal = RepCalendar(key="rep", zone=ZoneInfo("Australia/Sydney"), hours={5: [(time(8, 30), time(9, 30))]})
    slots = free_slots(
        cal,
        HOUR,
        now=datetime(2027, 4, 20, tzinfo=UTC),
        window_start=datetime(2027, 4, 29, tzinfo=UTC),
        window_end=datetime(2027, 5, 3, tzinfo=UTC),
    )
    assert [s.isoformat() for s in slots] == ["2027-04-30T22:30:00+00:00", "2027-04-30T23:00:00+00:00"]
    nye = calendar("Pacific/Kiritimati", "09:00", "10:00", holidays=frozenset({date(2028, 1, 1)}))
    around = free_slots(
        nye,
        HOUR,
        now=datetime(2027, 12, 20, tzinfo=UTC),
        window_start=datetime(2027, 12, 30, tzinfo=UTC),
        window_end=datetime(2028, 1, 2, tzinfo=UTC),
    )
    assert {s.astimezone(nye.zone).date() for s in around} == {date(2027, 12, 31), date(2028, 1, 2)}


def test_buffers_notice_and_horizon() -> None:
    rules = Rules(
        duration=timedelta(minutes=30),
        before=timedelta(minutes=10),
        after=timedelta(minutes=10),
        notice=timedelta(hours=4),
        horizon=timedelta(days=2),
    )
    day = datetime(2027, 4, 6, tzinfo=ZoneInfo("America/Denver"))
    booked = Busy(day.replace(hour=11), day.replace(hour=11, minute=30), timedelta(minutes=10), timedelta(minutes=10))
    cal = calendar("America/Denver", "09:00", "17:00", busy=(booked,))
    now = day.replace(hour=5)
    slots = free_slots(cal, rules, now=now, window_start=day, window_end=day + timedelta(days=5))
    walls = {f"{s.astimezone(cal.zone):%d %H:%M}" for s in slots}
    assert "06 11:45" in walls and "06 10:15" in walls  # 10 minutes clear on both sides
    assert not {"06 11:30", "06 10:30", "06 11:00"} & walls
    assert min(slots) == now + timedelta(hours=4)  # minimum notice: nothing before 09:00
    assert max(slots) <= now + timedelta(days=2)  # horizon
    later = free_slots(cal, rules, now=day.replace(hour=8), window_start=day, window_end=day + timedelta(days=1))
    assert min(later) == day.replace(hour=12)  # four hours' notice from 08:00
