"""What a summary asks the servers, over the conversation's own supervised connections: the booking fresh from the
scheduling server with its invite, and the note logged on the visitor's contact in the CRM.

Both are extras: a server that is not configured, is down or fails leaves the summary to go out with what the
conversation itself showed (the booking as it was made) and without the CRM note, and says so in the host's log.
A server whose tools no longer publish what is read here is another matter: that raises ContractError
(mcp/contracts.py), since the host and the server have drifted apart and someone must put that right.
"""

from __future__ import annotations

import logging
from typing import Any

from fastmcp import Client
from mcp.types import TextResourceContents

from salient_host.mail import Recipient
from salient_host.mcp.contracts import ContractError, call
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.memory.models import Session
from salient_host.summaries.contracts import GET_BOOKING, LOG_ACTIVITY, SEARCH_RECORDS, Booking
from salient_host.summaries.facts import Facts
from salient_host.summaries.result import SummaryError

log = logging.getLogger(__name__)


async def fresh_booking(
    scheduling: SupervisedToolset | None, facts: Facts, booking_id: str | None
) -> tuple[Booking | None, str | None]:
    """The booking (fresh from the scheduling server when it answers) and its invite.

    A scheduling server whose `get_booking` no longer publishes what is read here raises ContractError.
    """
    if booking_id is not None and booking_id not in facts.booking_ids:
        made = ", ".join(facts.booking_ids) or "none"
        raise SummaryError(f"booking {booking_id!r} was not made in this conversation (made here: {made})")
    wanted = booking_id or (facts.booking_ids[-1] if facts.booking_ids else None)
    if wanted is None:
        return None, None
    booking, ics = (facts.booking, facts.ics) if facts.booking and facts.booking.id == wanted else (None, None)

    async def invite(client: Client[Any]) -> str | None:
        contents = await client.read_resource(f"scheduling://bookings/{wanted}.ics")
        return next((c.text for c in contents if isinstance(c, TextResourceContents)), None)

    try:
        if scheduling is None:
            raise LookupError("no scheduling server is configured")
        booking = await call(scheduling, GET_BOOKING, {"booking_id": wanted}, read_only=True)
        ics = await scheduling.request(invite, read_only=True) or ics
    except ContractError:
        raise  # a server that drifted from the host is not a server that is down
    except Exception as exc:  # whatever keeps the server from answering, the copy from the chat still serves
        log.warning("summary: booking %s not read (%s); using the chat's copy", wanted, exc)
    if booking is not None and booking.status == "cancelled":
        return None, None  # nothing to invite to, and the summary must not call it booked
    return booking, ics


async def log_summary(
    crm: SupervisedToolset | None,
    session: Session,
    facts: Facts,
    visitor: Recipient,
    subject: str,
    text: str,
    booking: Booking | None,
    key: str,
) -> str | None:
    """Log the summary on the visitor's contact (and lead); None when there is no contact or no crm.

    A CRM whose tools no longer publish what is read here raises ContractError.
    """
    if crm is None:
        return None
    body = text + (f"\n\nMeeting: booking {booking.id} ({booking.start})." if booking else "")
    body += f"\n\nSent to {visitor.email} from chat session {session.id}."

    async def contact() -> str | None:
        search = {"object_type": "contact", "query": visitor.email, "limit": 5}
        page = await call(crm, SEARCH_RECORDS, search, read_only=True)
        email = visitor.email.lower()
        return next((r.id for r in page.items if str(r.properties.get("email", "")).lower() == email), None)

    try:
        contact_id = facts.contact_id if facts.contact_email == visitor.email else None
        if contact_id is None:
            contact_id = await contact()
        if contact_id is None:
            return None
        associations = [{"object_type": "contact", "id": contact_id}]
        if facts.lead_id:
            associations.append({"object_type": "lead", "id": facts.lead_id})
        note = {
            "type": "email",
            "subject": subject,
            "body": body[:20_000],
            "associations": associations,
            "idempotency_key": key.replace(":", "-")[:200],
        }
        # With its idempotency key, logging the note again after a lost connection cannot log it twice.
        return (await call(crm, LOG_ACTIVITY, note, read_only=True)).record.id
    except ContractError:
        raise  # as in fresh_booking: drift is the host's to report, not the mail's to hide
    except Exception as exc:  # the mail is queued; a CRM that cannot take the note must not undo that
        log.warning("summary of session %s not logged in the CRM: %s", session.id, exc)
        return None
