"""What a summary reads from the servers' results: only the fields it uses, as contracts (mcp/contracts.py).

Each model names the fields the summary relies on and nothing more; the servers' published output schemas must
carry them (they may carry much more). The models are the host's own: the server packages are not imported.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from salient_host.mcp.contracts import Contract


class Read(BaseModel):
    """A result as the host reads it: the fields named, the rest ignored, nothing changed after."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Record(Read):
    """A CRM record (contact, lead, activity): its id and field values."""

    id: str
    properties: dict[str, Any]


class RecordPage(Read):
    items: list[Record]


class RecordWritten(Read):
    """A record the CRM created or logged (create_lead, log_activity)."""

    record: Record


class ContactUpserted(Read):
    contact: Record


class Rep(Read):
    """The rep a booking is with, or the rep a router picked."""

    name: str
    email: str


class Booking(Read):
    id: str
    status: str
    title: str
    start: str
    start_local: str
    rep: Rep


class BookingMade(Read):
    """A booking made or moved (book_meeting, reschedule_meeting); a dry run has `applied` false."""

    booking: Booking
    applied: bool
    replayed: bool
    ics: str | None = None


class RepPicked(Read):
    rep: Rep


SEARCH_RECORDS = Contract("search_records", RecordPage)
LOG_ACTIVITY = Contract("log_activity", RecordWritten)
UPSERT_CONTACT = Contract("upsert_contact", ContactUpserted)
CREATE_LEAD = Contract("create_lead", RecordWritten)
GET_BOOKING = Contract("get_booking", Booking)
BOOK_MEETING = Contract("book_meeting", BookingMade)
RESCHEDULE_MEETING = Contract("reschedule_meeting", BookingMade)
FIND_REP = Contract("find_rep", RepPicked)
