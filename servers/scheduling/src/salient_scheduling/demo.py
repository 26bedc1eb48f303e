"""The demo company's scheduling slice (Brightwell Home Health): reps, teams, territories, meeting types, days off,
bookings.

Reps, hours, teams, territories and meeting types are those of `config/demo/README.md` (the territories are
crossfeed's, each with the team that takes its meetings). Bookings and time off are placed
relative to the service's clock, so a demo always has a few meetings in the coming week.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from salient_scheduling import repository as repo
from salient_scheduling.booking import BookingService, new_booking_id
from salient_scheduling.models import Booking, Holiday, MeetingType, Rep, Territory, TimeOff

WEEK = ("mon", "tue", "wed", "thu", "fri")


def _hours(start: str, end: str) -> dict[str, list[list[str]]]:
    return {day: [[start, end]] for day in WEEK}


# id, name, role, zone, hours, teams, territories
REPS = [
    ("maya-chen", "Maya Chen", "AE", "America/Los_Angeles", ("09:00", "17:00"), ["sales-us"], ["us-west"]),
    ("daniel-okafor", "Daniel Okafor", "AE", "America/Denver", ("09:00", "17:00"), ["sales-us"], ["us-central"]),
    ("priya-raman", "Priya Raman", "AE", "America/New_York", ("09:00", "17:00"), ["sales-us"], ["us-east"]),
    (
        "tom-becker",
        "Tom Becker",
        "SE",
        "America/Chicago",
        ("09:00", "17:00"),
        ["solutions"],
        ["us-central", "us-east", "us-west"],
    ),
    (
        "grace-liu",
        "Grace Liu",
        "CSM",
        "America/New_York",
        ("09:00", "17:00"),
        ["success"],
        ["us-east", "key-accounts"],
    ),
    ("olivia-hart", "Olivia Hart", "AE", "Australia/Sydney", ("08:30", "16:30"), ["sales-intl"], ["apac"]),
    ("lukas-meyer", "Lukas Meyer", "AE", "Europe/Berlin", ("09:00", "17:00"), ["sales-intl"], ["emea"]),
    ("sam-rivera", "Sam Rivera", "AE (inside sales)", "America/Denver", ("07:00", "15:00"), ["sales-us"], ["fallback"]),
]

# territory (crossfeed's ids), the team that takes its meetings
TERRITORIES = [
    ("key-accounts", "success"),
    ("us-west", "sales-us"),
    ("us-central", "sales-us"),
    ("us-east", "sales-us"),
    ("apac", "sales-intl"),
    ("emea", "sales-intl"),
    ("fallback", "sales-us"),
]

VIDEO = "Video call (the link is in the invite)"
# id, title, duration, buffer before, buffer after, notice (min), horizon (days), location
MEETING_TYPES = [
    ("product-demo", "Product demo", 30, 10, 10, 4 * 60, 30, VIDEO),
    ("discovery-call", "Discovery call", 15, 0, 5, 2 * 60, 21, "Phone call (the rep calls the number you give)"),
    ("equipment-consultation", "Equipment consultation", 45, 15, 15, 24 * 60, 45, VIDEO),
]

# Company-wide days off, and each international rep's own public holidays.
HOLIDAYS = [
    (None, date(2026, 12, 25), "Christmas Day"),
    (None, date(2027, 1, 1), "New Year's Day"),
    ("olivia-hart", date(2026, 12, 28), "Boxing Day (observed)"),
    ("olivia-hart", date(2027, 1, 26), "Australia Day"),
    ("lukas-meyer", date(2026, 12, 28), "Zweiter Weihnachtstag (observed)"),
]

ATTENDEES = [
    ("Ruth Alvarez", "ruth.alvarez@sunnyvale-care.example", "America/Los_Angeles"),
    ("Kenji Watanabe", "kenji@harbour-clinic.example", "Asia/Tokyo"),
    ("Aoife Byrne", "aoife.byrne@liffey-homes.example", "Europe/Dublin"),
    ("Marcus Green", "marcus@greenfield-rehab.example", "America/Chicago"),
]


async def load_demo(service: BookingService, account: str) -> None:
    """Create the slice in `account` unless it already has reps (then only add territories if it has none)."""
    now = service.now()
    async with service.db.transaction(account=account) as session:
        if await repo.count_reps(session, account):
            if not await repo.list_territories(session, account):  # seeded before territories existed
                session.add_all(_territories(account))
            return
        reps = {}
        for key, name, role, zone, (start, end), teams, territories in REPS:
            email = f"{key.replace('-', '.')}@brightwell.example"
            reps[key] = Rep(
                account_id=account,
                key=key,
                name=name,
                email=email,
                role=role,
                time_zone=zone,
                working_hours=_hours(start, end),
                teams=teams,
                territories=territories,
                grant_id=email,
                lock_version=0,
            )
        types = {
            key: MeetingType(
                account_id=account,
                key=key,
                title=title,
                duration_min=duration,
                buffer_before_min=before,
                buffer_after_min=after,
                min_notice_min=notice,
                horizon_days=horizon,
                slot_step_min=15,
                location=location,
            )
            for key, title, duration, before, after, notice, horizon, location in MEETING_TYPES
        }
        session.add_all([*reps.values(), *types.values(), *_territories(account)])
        await session.flush()
        for rep_key, day, name in HOLIDAYS:
            rep_id = reps[rep_key].id if rep_key else None
            session.add(Holiday(account_id=account, rep_id=rep_id, day=day, name=name))
        lukas = reps["lukas-meyer"]
        leave_start = _next_weekday(now.astimezone(ZoneInfo(lukas.time_zone)).date() + timedelta(days=7), 0)
        session.add(
            TimeOff(
                account_id=account,
                rep_id=lukas.id,
                starts_at=_local(leave_start, time(0, 0), lukas.time_zone),
                ends_at=_local(leave_start + timedelta(days=3), time(0, 0), lukas.time_zone),
                reason="Trade fair (MEDICA)",
            )
        )
        session.add_all(_bookings(account, list(reps.values()), types["product-demo"], now))


def _territories(account: str) -> list[Territory]:
    return [Territory(account_id=account, key=key, team=team) for key, team in TERRITORIES]


def _bookings(account: str, reps: list[Rep], demo: MeetingType, now: datetime) -> list[Booking]:
    """One demo a working day for each of the first five reps over the next week, at 10:00-13:00 rep time."""
    bookings = []
    for i, rep in enumerate(reps[:5]):
        today = now.astimezone(ZoneInfo(rep.time_zone)).date()
        for offset in range(2, 9):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            start = _local(day, time(10 + (i + offset) % 4, 0), rep.time_zone)
            name, email, zone = ATTENDEES[(i + offset) % len(ATTENDEES)]
            booking_id = new_booking_id()
            bookings.append(
                Booking(
                    id=booking_id,
                    account_id=account,
                    rep_id=rep.id,
                    meeting_type_id=demo.id,
                    status="confirmed",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=demo.duration_min),
                    buffer_before_min=demo.buffer_before_min,
                    buffer_after_min=demo.buffer_after_min,
                    attendee_name=name,
                    attendee_email=email,
                    attendee_time_zone=zone,
                    notes="Demo data",
                    ical_uid=f"{booking_id}@salient-scheduling",
                    sequence=0,
                    created_at=now - timedelta(days=10 - offset, hours=i),  # booked in the past days
                    updated_at=now - timedelta(days=10 - offset, hours=i),
                )
            )
    return bookings


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _local(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
