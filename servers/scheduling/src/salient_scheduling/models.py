"""Scheduling tables. Every row carries `account_id`; every query filters on it.

Instants are stored in UTC (`UTCDateTime`); working hours and holidays are wall-clock values that only mean
something in the rep's own time zone, so they are kept as local times and dates next to that zone.
"""

from __future__ import annotations

from datetime import date, datetime

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

BOOKING_STATUSES = ("confirmed", "cancelled", "rescheduled", "completed", "no_show")


class Base(DeclarativeBase):
    metadata = new_metadata()


class Rep(AccountOwned, Base):
    """A sales rep and their calendar. `lock_version` is bumped by every booking write to serialise them."""

    __tablename__ = "reps"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(120), default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["09:00", "17:00"]], ...}: local wall-clock periods per weekday.
    working_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSON)
    teams: Mapped[list[str]] = mapped_column(JSON, default=list)
    territories: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_id: Mapped[str | None] = mapped_column(String(200), default=None)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class Territory(AccountOwned, Base):
    """A sales territory (as crossfeed's `find_territory` names it) and the team that takes its meetings."""

    __tablename__ = "territories"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64))


class MeetingType(AccountOwned, Base):
    __tablename__ = "meeting_types"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    duration_min: Mapped[int] = mapped_column(Integer)
    buffer_before_min: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_min: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_min: Mapped[int] = mapped_column(Integer, default=0)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    slot_step_min: Mapped[int] = mapped_column(Integer, default=15)
    location: Mapped[str] = mapped_column(String(500), default="")


class Holiday(AccountOwned, Base):
    """A whole local day off: for one rep, or for everyone in the account when `rep_id` is null."""

    __tablename__ = "holidays"
    __table_args__ = (Index("ix_holidays_account_day", "account_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("reps.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200), default="")


class TimeOff(AccountOwned, Base):
    """A span when one rep cannot meet (leave, travel, an outside commitment)."""

    __tablename__ = "time_off"
    __table_args__ = (Index("ix_time_off_rep_start", "rep_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")


class Booking(AccountOwned, Base):
    """A meeting with a rep. Buffers are copied from the meeting type so later edits do not move old bookings."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key"),
        Index("ix_bookings_rep_start", "rep_id", "starts_at"),
        Index("ix_bookings_account_start", "account_id", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("reps.id", ondelete="RESTRICT"))
    meeting_type_id: Mapped[int] = mapped_column(ForeignKey("meeting_types.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    buffer_before_min: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_min: Mapped[int] = mapped_column(Integer, default=0)
    attendee_name: Mapped[str] = mapped_column(String(200))
    attendee_email: Mapped[str] = mapped_column(String(320))
    attendee_time_zone: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    external_event_id: Mapped[str | None] = mapped_column(String(200), default=None)
    ical_uid: Mapped[str] = mapped_column(String(100))  # kept across reschedules so invites update in place
    rescheduled_from: Mapped[str | None] = mapped_column(String(32), default=None)
    rescheduled_to: Mapped[str | None] = mapped_column(String(32), default=None)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
