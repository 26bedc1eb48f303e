"""Queries over the scheduling tables. Each function takes a session and an account; none commits."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from datetime import date, datetime

from salient_core.db import UTCDateTime
from sqlalchemy import Date, Integer, String, cast, func, literal, null, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from salient_scheduling.models import Booking, Holiday, MeetingType, Rep, Territory, TimeOff

# kind, rep_id, starts_at, ends_at, buffer_before_min, buffer_after_min, booking_id, external_event_id, day
BusyRow = tuple[str, int | None, datetime | None, datetime | None, int, int, str | None, str | None, date | None]


async def list_reps(session: AsyncSession, account: str) -> list[Rep]:
    return list(await session.scalars(select(Rep).where(Rep.account_id == account).order_by(Rep.key)))


async def get_rep(session: AsyncSession, account: str, key: str) -> Rep | None:
    return await session.scalar(select(Rep).where(Rep.account_id == account, Rep.key == key))


async def get_reps_by_ids(session: AsyncSession, account: str, ids: Sequence[int]) -> dict[int, Rep]:
    if not ids:
        return {}
    reps = await session.scalars(select(Rep).where(Rep.account_id == account, Rep.id.in_(ids)))
    return {r.id: r for r in reps}


async def lock_rep(session: AsyncSession, account: str, key: str) -> Rep | None:
    """Take the rep's booking lock for the rest of the transaction and return the rep.

    An UPDATE rather than SELECT ... FOR UPDATE: on PostgreSQL both lock the row until commit, and on SQLite
    only a write takes the database's write lock at once, so a second booker waits here (busy_timeout) and
    then reads the first one's committed booking instead of failing later on a stale snapshot.
    """
    result = await session.execute(
        update(Rep)
        .where(Rep.account_id == account, Rep.key == key)
        .values(lock_version=Rep.lock_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # pyright: ignore[reportAttributeAccessIssue]
        return None
    rep = await get_rep(session, account, key)
    if rep is not None:
        await session.refresh(rep)
    return rep


async def list_territories(session: AsyncSession, account: str) -> list[Territory]:
    query = select(Territory).where(Territory.account_id == account).order_by(Territory.key)
    return list(await session.scalars(query))


async def list_meeting_types(session: AsyncSession, account: str) -> list[MeetingType]:
    query = select(MeetingType).where(MeetingType.account_id == account).order_by(MeetingType.key)
    return list(await session.scalars(query))


async def get_meeting_type(session: AsyncSession, account: str, key: str) -> MeetingType | None:
    return await session.scalar(select(MeetingType).where(MeetingType.account_id == account, MeetingType.key == key))


async def get_meeting_types_by_ids(session: AsyncSession, account: str, ids: Sequence[int]) -> dict[int, MeetingType]:
    if not ids:
        return {}
    found = await session.scalars(select(MeetingType).where(MeetingType.account_id == account, MeetingType.id.in_(ids)))
    return {m.id: m for m in found}


async def busy_rows(
    session: AsyncSession,
    account: str,
    rep_ids: Sequence[int],
    start: datetime,
    end: datetime,
    first_day: date,
    last_day: date,
) -> Sequence[BusyRow]:
    """What keeps these reps from meeting, in one statement of plain rows (no ORM objects).

    Each row is (kind, rep_id, starts_at, ends_at, buffer_before_min, buffer_after_min, booking_id,
    external_event_id, day), kind being "booking" (confirmed, overlapping [start, end)), "time_off" (likewise)
    or "holiday" (a day in [first_day, last_day], rep_id None when company-wide).
    """
    no_day = cast(null(), Date)
    no_text = cast(null(), String)
    zero = literal(0, Integer)
    bookings = select(
        literal("booking", String).label("kind"),
        Booking.rep_id,
        Booking.starts_at,
        Booking.ends_at,
        Booking.buffer_before_min,
        Booking.buffer_after_min,
        Booking.id,
        Booking.external_event_id,
        no_day.label("day"),
    ).where(
        Booking.account_id == account,
        Booking.rep_id.in_(rep_ids),
        Booking.status == "confirmed",
        Booking.starts_at < end,
        Booking.ends_at > start,
    )
    time_off = select(
        literal("time_off", String),
        TimeOff.rep_id,
        TimeOff.starts_at,
        TimeOff.ends_at,
        zero,
        zero,
        no_text,
        no_text,
        no_day,
    ).where(
        TimeOff.account_id == account, TimeOff.rep_id.in_(rep_ids), TimeOff.starts_at < end, TimeOff.ends_at > start
    )
    no_instant = cast(null(), UTCDateTime())
    holidays = select(
        literal("holiday", String), Holiday.rep_id, no_instant, no_instant, zero, zero, no_text, no_text, Holiday.day
    ).where(
        Holiday.account_id == account,
        or_(Holiday.rep_id.is_(None), Holiday.rep_id.in_(rep_ids)),
        Holiday.day >= first_day,
        Holiday.day <= last_day,
    )
    rows = (await session.execute(union_all(bookings, time_off, holidays))).all()
    return typing.cast("Sequence[BusyRow]", rows)  # Row unpacks as a tuple


async def load_by_rep(
    session: AsyncSession, account: str, rep_ids: Sequence[int], since: datetime
) -> dict[int, tuple[int, datetime | None]]:
    """Per rep: confirmed bookings from `since` on, and when the rep was last given a booking."""
    query = (
        select(
            Booking.rep_id,
            func.count().filter(Booking.starts_at >= since),
            func.max(Booking.created_at),
        )
        .where(Booking.account_id == account, Booking.rep_id.in_(rep_ids), Booking.status == "confirmed")
        .group_by(Booking.rep_id)
    )
    return {rep_id: (int(n), last) for rep_id, n, last in (await session.execute(query)).all()}


async def get_booking(session: AsyncSession, account: str, booking_id: str) -> Booking | None:
    return await session.scalar(select(Booking).where(Booking.account_id == account, Booking.id == booking_id))


async def get_booking_by_key(session: AsyncSession, account: str, key: str) -> Booking | None:
    query = select(Booking).where(Booking.account_id == account, Booking.idempotency_key == key)
    return await session.scalar(query)


async def list_bookings(
    session: AsyncSession,
    account: str,
    *,
    rep_id: int | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[Booking], int]:
    conditions = [Booking.account_id == account]
    if rep_id is not None:
        conditions.append(Booking.rep_id == rep_id)
    if status is not None:
        conditions.append(Booking.status == status)
    if start is not None:
        conditions.append(Booking.ends_at > start)
    if end is not None:
        conditions.append(Booking.starts_at < end)
    total = int(await session.scalar(select(func.count()).select_from(Booking).where(*conditions)) or 0)
    query = select(Booking).where(*conditions).order_by(Booking.starts_at, Booking.id).offset(offset).limit(limit)
    return list(await session.scalars(query)), total


async def count_reps(session: AsyncSession, account: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(Rep).where(Rep.account_id == account)) or 0)
