"""The scheduling operations that read: clock, meeting types, calendars, availability, bookings.

Writes (book, reschedule, cancel) live in `booking.py`; both take the caller's account first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from salient_core.db import Database
from salient_core.errors import InvalidInput
from salient_core.pagination import PageRequest
from sqlalchemy.ext.asyncio import AsyncSession

from salient_scheduling import repository as repo
from salient_scheduling.availability import free_slots
from salient_scheduling.backends.base import CalendarBackend
from salient_scheduling.errors import (
    TeamWithoutReps,
    UnknownBooking,
    UnknownMeetingType,
    UnknownRep,
    UnknownTerritory,
)
from salient_scheduling.ics import render
from salient_scheduling.models import Booking, MeetingType, Rep
from salient_scheduling.planner import load_calendars
from salient_scheduling.schemas import (
    AvailabilityResult,
    BookingOut,
    BookingPage,
    CalendarList,
    CurrentTime,
    Distribution,
    MeetingTypeList,
    Slot,
    Status,
)
from salient_scheduling.views import (
    booking_out,
    calendar_out,
    calendar_ref,
    invite_of,
    meeting_type_out,
    rules_of,
    zone_of,
)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class SchedulingService:
    def __init__(self, db: Database, backend: CalendarBackend, *, clock: Clock = system_clock) -> None:
        self.db = db
        self.backend = backend
        self.clock = clock

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def current_time(self, time_zone: str) -> CurrentTime:
        zone = zone_of(time_zone)
        now = self.now()
        local = now.astimezone(zone)
        offset = local.utcoffset() or timedelta(0)
        sign, seconds = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds()))
        return CurrentTime(
            time_zone=time_zone,
            now=local,
            now_utc=now,
            utc_offset=f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}",
            weekday=f"{local:%A}",
            is_dst=bool(local.dst()),
        )

    async def list_meeting_types(self, account: str) -> MeetingTypeList:
        async with self.db.session(account=account) as session:
            types = await repo.list_meeting_types(session, account)
        return MeetingTypeList(items=[meeting_type_out(mt) for mt in types])

    async def list_calendars(self, account: str) -> CalendarList:
        async with self.db.session(account=account) as session:
            reps = await repo.list_reps(session, account)
            territories = {t.key: t.team for t in await repo.list_territories(session, account)}
        items = []
        for rep in reps:
            provided = await self.backend.calendars(calendar_ref(rep))
            primary = next((c for c in provided if c.primary), provided[0] if provided else None)
            items.append(
                calendar_out(rep, provider=self.backend.name, provider_calendar=primary.id if primary else None)
            )
        teams: dict[str, list[str]] = {}
        for rep in reps:
            for team in rep.teams:
                teams.setdefault(team, []).append(rep.key)
        return CalendarList(items=items, teams=dict(sorted(teams.items())), territories=territories)

    async def find_availability(
        self,
        account: str,
        *,
        meeting_type: str,
        rep: str | None,
        team: str | None,
        territory: str | None = None,
        window_start: datetime,
        window_end: datetime,
        time_zone: str,
        max_slots: int,
        distribution: Distribution,
    ) -> AvailabilityResult:
        zone = zone_of(time_zone)
        if [rep, team, territory].count(None) != 2:
            raise InvalidInput(
                "Pass exactly one of rep, team or territory.",
                hint="Call list_calendars for rep, team and territory ids.",
            )
        now = self.now()
        async with self.db.session(account=account) as session:
            mt = await self._meeting_type(session, account, meeting_type)
            rules = rules_of(mt)
            check_window(window_start, window_end, now, rules.horizon)
            if territory is not None:
                team = await self._team_of(session, account, territory)
            reps = await self._reps(session, account, rep=rep, team=team, territory=territory)
            calendars = await load_calendars(session, self.backend, account, reps, window_start, window_end)
            load = await repo.load_by_rep(session, account, [r.id for r in reps], now)
        by_start: dict[datetime, list[Rep]] = {}
        for r in reps:
            starts = free_slots(calendars[r.id], rules, now=now, window_start=window_start, window_end=window_end)
            for start in starts:
                by_start.setdefault(start, []).append(r)
        never = datetime.min.replace(tzinfo=UTC)

        def preference(r: Rep) -> tuple[object, ...]:
            count, last = load.get(r.id, (0, None))
            if distribution == "least_loaded":
                return (count, last or never, r.key)
            return (last or never, count, r.key)  # round robin: whoever was booked longest ago goes next

        starts = sorted(by_start)
        slots = []
        for start in starts[:max_slots]:
            chosen = min(by_start[start], key=preference)
            end = start + rules.duration
            slots.append(
                Slot(
                    start=start,
                    end=end,
                    start_local=start.astimezone(zone),
                    end_local=end.astimezone(zone),
                    rep=chosen.key,
                    rep_name=chosen.name,
                    rep_start_local=start.astimezone(zone_of(chosen.time_zone)),
                )
            )
        if slots:
            message = f"{len(starts)} free slot(s) in the window; showing {len(slots)}, earliest first."
        else:
            message = "No free slot in this window. Try a later or longer window, or another rep or team."
        if territory is not None:
            message = f"Territory {territory!r} is served by team {team!r}. {message}"
        return AvailabilityResult(
            meeting_type=mt.key,
            time_zone=time_zone,
            window_start=window_start,
            window_end=window_end,
            slots=slots,
            truncated=len(starts) > max_slots,
            message=message,
        )

    async def list_bookings(
        self,
        account: str,
        *,
        rep: str | None,
        status: Status | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> BookingPage:
        if start is not None and end is not None and end <= start:
            raise InvalidInput(f"end {end.isoformat()} is not after start {start.isoformat()}.")
        at = PageRequest.from_cursor(cursor, account=account, query=["bookings", rep, status, start, end], limit=limit)
        async with self.db.session(account=account) as session:
            rep_id = (await self._reps(session, account, rep=rep, team=None))[0].id if rep else None
            rows, total = await repo.list_bookings(
                session, account, rep_id=rep_id, status=status, start=start, end=end, offset=at.offset, limit=limit
            )
            items = await self._outs(session, account, rows)
        return BookingPage(items=items, total=total, next_cursor=at.next_cursor(total))

    async def get_booking(self, account: str, booking_id: str) -> BookingOut:
        async with self.db.session(account=account) as session:
            booking = await repo.get_booking(session, account, booking_id)
            if booking is None:
                raise UnknownBooking(booking_id)
            return (await self._outs(session, account, [booking]))[0]

    async def invite(self, account: str, booking_id: str) -> str:
        async with self.db.session(account=account) as session:
            booking = await repo.get_booking(session, account, booking_id)
            if booking is None:
                raise UnknownBooking(booking_id)
            reps = await repo.get_reps_by_ids(session, account, [booking.rep_id])
            types = await repo.get_meeting_types_by_ids(session, account, [booking.meeting_type_id])
        return render(invite_of(booking, reps[booking.rep_id], types[booking.meeting_type_id]))

    # -- helpers shared with booking.py -------------------------------------------------------------------

    @staticmethod
    async def _meeting_type(session: AsyncSession, account: str, key: str) -> MeetingType:
        mt = await repo.get_meeting_type(session, account, key)
        if mt is None:
            raise UnknownMeetingType(key)
        return mt

    @staticmethod
    async def _team_of(session: AsyncSession, account: str, territory: str) -> str:
        """The team that takes `territory`'s meetings."""
        territories = {t.key: t.team for t in await repo.list_territories(session, account)}
        if territory not in territories:
            raise UnknownTerritory(territory, sorted(territories))
        return territories[territory]

    @staticmethod
    async def _reps(
        session: AsyncSession, account: str, *, rep: str | None, team: str | None, territory: str | None = None
    ) -> list[Rep]:
        if rep is not None:
            found = await repo.get_rep(session, account, rep)
            if found is None:
                raise UnknownRep(rep)
            return [found]
        members = [r for r in await repo.list_reps(session, account) if team in r.teams]
        if not members:
            raise TeamWithoutReps(territory, str(team)) if territory is not None else UnknownRep(str(team))
        return members

    @staticmethod
    async def _outs(session: AsyncSession, account: str, rows: list[Booking]) -> list[BookingOut]:
        reps = await repo.get_reps_by_ids(session, account, sorted({b.rep_id for b in rows}))
        types = await repo.get_meeting_types_by_ids(session, account, sorted({b.meeting_type_id for b in rows}))
        return [booking_out(b, reps[b.rep_id], types[b.meeting_type_id]) for b in rows]


def check_window(start: datetime, end: datetime, now: datetime, horizon: timedelta) -> None:
    """Refuse windows that cannot hold a slot: reversed, wholly past, past the horizon, or longer than it."""
    hint = "Call get_current_time, then pass a window from now up to the meeting type's horizon."
    if end <= start:
        raise InvalidInput(f"window_end {end.isoformat()} is not after window_start {start.isoformat()}.", hint=hint)
    if end <= now:
        raise InvalidInput(f"The window ends in the past ({end.isoformat()}); it is now {now.isoformat()}.", hint=hint)
    if end - start > horizon + timedelta(days=1):
        raise InvalidInput(
            f"The window spans {(end - start).days} days, longer than this meeting type's {horizon.days}-day horizon.",
            hint=hint,
        )
    if start > now + horizon:
        raise InvalidInput(
            f"The window starts after the booking horizon ({(now + horizon).isoformat()}).",
            hint=hint,
        )
