"""The writes: book, reschedule and cancel, each atomic.

Every write takes the rep's booking lock first (`repository.lock_rep`), then re-reads and re-checks inside
that transaction: the idempotency key, the booking's status and the slot. Two callers racing for one slot are
therefore served one after the other, and the second sees the first one's booking and gets `SlotTaken`.
The provider event is written last, inside the transaction, so a provider failure rolls the booking back;
if the commit fails after the event was made, the event is deleted again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from salient_core.errors import Conflict, InvalidInput, key_reused
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salient_scheduling import repository as repo
from salient_scheduling.errors import UnknownBooking, UnknownRep
from salient_scheduling.models import Booking, MeetingType, Rep
from salient_scheduling.planner import check_slot, load_calendars
from salient_scheduling.schemas import BookingOut, BookingResult
from salient_scheduling.service import SchedulingService
from salient_scheduling.views import EMAIL, booking_out, calendar_ref, event_of, rules_of, zone_of

log = logging.getLogger(__name__)


def new_booking_id() -> str:
    return f"bk_{uuid.uuid4().hex[:20]}"


class BookingService(SchedulingService):
    """The whole scheduling service: the reads of `SchedulingService` plus the writes."""

    @asynccontextmanager
    async def _unit(self, account: str, *, dry_run: bool) -> AsyncIterator[AsyncSession]:
        opener = self.db.session if dry_run else self.db.transaction
        async with opener(account=account) as session:
            yield session

    async def _rep(self, session: AsyncSession, account: str, key: str, *, lock: bool) -> Rep:
        rep = await (repo.lock_rep if lock else repo.get_rep)(session, account, key)
        if rep is None:
            raise UnknownRep(key)
        return rep

    async def _check(
        self, session: AsyncSession, account: str, rep: Rep, mt: MeetingType, start: datetime, ignore: str | None
    ) -> None:
        rules = rules_of(mt)
        calendars = await load_calendars(
            session, self.backend, account, [rep], start, start + rules.duration, ignore_booking=ignore
        )
        check_slot(calendars[rep.id], rules, rep, start, self.now(), mt.key)

    async def book(
        self,
        account: str,
        *,
        meeting_type: str,
        rep: str,
        start: datetime,
        attendee_name: str,
        attendee_email: str,
        attendee_time_zone: str,
        notes: str,
        idempotency_key: str,
        dry_run: bool,
    ) -> BookingResult:
        zone_of(attendee_time_zone)
        if not EMAIL.match(attendee_email):
            raise InvalidInput(f"Malformed email {attendee_email!r}.", hint="Ask the attendee for a valid address.")
        start = start.astimezone(UTC)
        created_event: tuple[Rep, str] | None = None
        try:
            async with self._unit(account, dry_run=dry_run) as session:
                rep_row = await self._rep(session, account, rep, lock=not dry_run)
                mt = await self._meeting_type(session, account, meeting_type)
                previous = await repo.get_booking_by_key(session, account, idempotency_key)
                if previous is not None:
                    return await self._replay(session, account, previous, rep_row, mt, start, attendee_email)
                await self._check(session, account, rep_row, mt, start, None)
                now = self.now()
                booking = Booking(
                    id=new_booking_id(),
                    account_id=account,
                    rep_id=rep_row.id,
                    meeting_type_id=mt.id,
                    status="confirmed",
                    starts_at=start,
                    ends_at=start + rules_of(mt).duration,
                    buffer_before_min=mt.buffer_before_min,
                    buffer_after_min=mt.buffer_after_min,
                    attendee_name=attendee_name,
                    attendee_email=attendee_email,
                    attendee_time_zone=attendee_time_zone,
                    notes=notes,
                    idempotency_key=idempotency_key,
                    sequence=0,
                    created_at=now,
                    updated_at=now,
                )
                booking.ical_uid = f"{booking.id}@salient-scheduling"
                if dry_run:
                    out = booking_out(booking, rep_row, mt)
                    return BookingResult(booking=out, applied=False, replayed=False, message=_said("Would book", out))
                session.add(booking)
                try:
                    await session.flush()
                except IntegrityError as exc:  # the same key, racing for another rep
                    raise Conflict(
                        f"Idempotency key {idempotency_key!r} is being used by a concurrent call.",
                        hint="Retry this call with the same key; it will return the first booking.",
                    ) from exc
                event_id = await self.backend.create_event(calendar_ref(rep_row), event_of(booking, rep_row, mt))
                if event_id is not None:
                    created_event = (rep_row, event_id)
                    booking.external_event_id = event_id
                out = booking_out(booking, rep_row, mt)
        except BaseException:
            if created_event is not None:
                await self._undo_event(*created_event)
            raise
        return BookingResult(
            booking=out,
            applied=True,
            replayed=False,
            message=_said("Booked", out),
            ics=await self.invite(account, out.id),
        )

    async def _replay(
        self,
        session: AsyncSession,
        account: str,
        previous: Booking,
        rep: Rep,
        mt: MeetingType,
        start: datetime,
        email: str,
    ) -> BookingResult:
        same = (previous.rep_id, previous.meeting_type_id, previous.attendee_email.lower()) == (
            rep.id,
            mt.id,
            email.lower(),
        )
        if not same or previous.starts_at != start:
            assert previous.idempotency_key is not None  # `previous` was found by this key
            raise key_reused(
                previous.idempotency_key,
                f"for booking {previous.id!r} "
                f"({previous.starts_at.isoformat()} with {rep.key!r} for {previous.attendee_email!r})",
                request="booking",
            )
        out = (await self._outs(session, account, [previous]))[0]
        message = f"Already booked with this idempotency key: {out.id} ({out.status}); nothing new was booked."
        return BookingResult(booking=out, applied=False, replayed=True, message=message, ics=None)

    async def reschedule(self, account: str, *, booking_id: str, start: datetime, dry_run: bool) -> BookingResult:
        start = start.astimezone(UTC)
        async with self._unit(account, dry_run=dry_run) as session:
            old = await self._booking(session, account, booking_id)
            rep = (await repo.get_reps_by_ids(session, account, [old.rep_id]))[old.rep_id]
            rep = await self._rep(session, account, rep.key, lock=not dry_run)
            await session.refresh(old)  # its status may have changed while we waited for the lock
            mt = (await repo.get_meeting_types_by_ids(session, account, [old.meeting_type_id]))[old.meeting_type_id]
            if old.status == "rescheduled" and old.rescheduled_to:
                moved = await self._booking(session, account, old.rescheduled_to)
                if moved.starts_at == start:  # a retry of the move that already happened
                    out = (await self._outs(session, account, [moved]))[0]
                    return BookingResult(
                        booking=out, applied=False, replayed=True, message=f"Already moved: {_said('Booked', out)}"
                    )
            if old.status != "confirmed":
                raise _not_confirmed(old, "rescheduled")
            if old.starts_at == start:
                raise InvalidInput(f"Booking {old.id!r} already starts at {start.isoformat()}; nothing to move.")
            await self._check(session, account, rep, mt, start, old.id)
            now = self.now()
            new = Booking(
                id=new_booking_id(),
                account_id=account,
                rep_id=rep.id,
                meeting_type_id=mt.id,
                status="confirmed",
                starts_at=start,
                ends_at=start + (old.ends_at - old.starts_at),
                buffer_before_min=old.buffer_before_min,
                buffer_after_min=old.buffer_after_min,
                attendee_name=old.attendee_name,
                attendee_email=old.attendee_email,
                attendee_time_zone=old.attendee_time_zone,
                notes=old.notes,
                external_event_id=old.external_event_id,
                ical_uid=old.ical_uid,
                rescheduled_from=old.id,
                sequence=old.sequence + 1,
                created_at=now,
                updated_at=now,
            )
            if dry_run:
                out = booking_out(new, rep, mt)
                return BookingResult(booking=out, applied=False, replayed=False, message=_said("Would move to", out))
            old.status, old.rescheduled_to, old.updated_at = "rescheduled", new.id, now
            old.external_event_id = None  # the provider event now belongs to the new booking
            session.add(new)
            await session.flush()
            if new.external_event_id:
                await self.backend.update_event(calendar_ref(rep), new.external_event_id, event_of(new, rep, mt))
            out = booking_out(new, rep, mt)
        return BookingResult(
            booking=out,
            applied=True,
            replayed=False,
            message=_said("Moved to", out),
            ics=await self.invite(account, out.id),
        )

    async def cancel(self, account: str, *, booking_id: str, reason: str, dry_run: bool) -> BookingResult:
        async with self._unit(account, dry_run=dry_run) as session:
            booking = await self._booking(session, account, booking_id)
            rep = (await repo.get_reps_by_ids(session, account, [booking.rep_id]))[booking.rep_id]
            rep = await self._rep(session, account, rep.key, lock=not dry_run)
            await session.refresh(booking)
            if booking.status != "confirmed":
                raise _not_confirmed(booking, "cancelled")
            now = self.now()
            if booking.ends_at <= now:
                raise InvalidInput(
                    f"Booking {booking.id!r} ended at {booking.ends_at.isoformat()}; it cannot be cancelled."
                )
            current = (await self._outs(session, account, [booking]))[0]
            if dry_run:
                out = current.model_copy(update={"status": "cancelled"})
                return BookingResult(booking=out, applied=False, replayed=False, message=_said("Would cancel", out))
            booking.status, booking.updated_at, booking.sequence = "cancelled", now, booking.sequence + 1
            if reason:
                booking.notes = f"{booking.notes}\nCancelled: {reason}".strip()
            await session.flush()
            if booking.external_event_id:
                await self.backend.delete_event(calendar_ref(rep), booking.external_event_id)
            out = current.model_copy(update={"status": "cancelled", "notes": booking.notes})
        return BookingResult(
            booking=out,
            applied=True,
            replayed=False,
            message=_said("Cancelled", out),
            ics=await self.invite(account, out.id),
        )

    async def _booking(self, session: AsyncSession, account: str, booking_id: str) -> Booking:
        booking = await repo.get_booking(session, account, booking_id)
        if booking is None:
            raise UnknownBooking(booking_id)
        return booking

    async def _undo_event(self, rep: Rep, event_id: str) -> None:
        try:
            await self.backend.delete_event(calendar_ref(rep), event_id)
        except Exception:  # the original error matters more; leave a trace for the operator
            log.exception("could not delete provider event %s after a failed booking", event_id)


def _not_confirmed(booking: Booking, verb: str) -> Conflict:
    if booking.status == "rescheduled":
        return Conflict(
            f"Booking {booking.id!r} was already rescheduled to {booking.rescheduled_to!r}; it cannot be {verb}.",
            hint=f"Call get_booking {booking.rescheduled_to!r} and act on that one.",
        )
    return Conflict(
        f"Booking {booking.id!r} is already {booking.status}; it cannot be {verb}. Nothing was changed.",
        hint="Call list_bookings to see current bookings.",
    )


def _said(verb: str, b: BookingOut) -> str:
    """A sentence a model can repeat to both sides, each in their own time zone."""
    return (
        f"{verb} {b.title} ({b.id}): {b.start_local:%a %d %b %Y %H:%M} ({b.attendee.time_zone}) for the attendee, "
        f"{b.rep_start_local:%a %d %b %H:%M} ({b.rep.time_zone}) for {b.rep.name}."
    )
