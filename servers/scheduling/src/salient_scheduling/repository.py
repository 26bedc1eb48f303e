"""Queries over the scheduling tables. Each function takes a session and an account; none commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salient_scheduling.models import Booking, Holiday, MeetingType, Rep, Territory, TimeOff


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


async def list_holidays(session: AsyncSession, account: str, first: date, last: date) -> list[Holiday]:
    """Holidays between two dates (inclusive), company-wide and per rep."""
    query = select(Holiday).where(Holiday.account_id == account, Holiday.day >= first, Holiday.day <= last)
    return list(await session.scalars(query))


async def list_time_off(
    session: AsyncSession, account: str, rep_ids: Sequence[int], start: datetime, end: datetime
) -> list[TimeOff]:
    query = select(TimeOff).where(
        TimeOff.account_id == account,
        TimeOff.rep_id.in_(rep_ids),
        TimeOff.starts_at < end,
        TimeOff.ends_at > start,
    )
    return list(await session.scalars(query))


async def list_confirmed_between(
    session: AsyncSession, account: str, rep_ids: Sequence[int], start: datetime, end: datetime
) -> list[Booking]:
    """Confirmed bookings of these reps that overlap [start, end) (callers widen the range by the buffers)."""
    query = select(Booking).where(
        Booking.account_id == account,
        Booking.rep_id.in_(rep_ids),
        Booking.status == "confirmed",
        Booking.starts_at < end,
        Booking.ends_at > start,
    )
    return list(await session.scalars(query.order_by(Booking.starts_at)))


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
