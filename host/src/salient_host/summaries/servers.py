"""What a summary asks the servers, over the conversation's own supervised connections: the booking fresh from the
scheduling server with its invite, and the note logged on the visitor's contact in the CRM.

Both are extras: a server that is not configured, is down or fails leaves the summary to go out with what the
conversation itself showed (the booking as it was made) and without the CRM note, and says so in the host's log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastmcp import Client
from mcp.types import TextResourceContents

from salient_host.mail import Recipient
from salient_host.mcp.supervision import SupervisedToolset
from salient_host.memory.models import Session
from salient_host.summaries.facts import Facts
from salient_host.summaries.result import SummaryError

log = logging.getLogger(__name__)


async def fresh_booking(
    scheduling: SupervisedToolset | None, facts: Facts, booking_id: str | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The booking (fresh from the scheduling server when it answers) and its invite."""
    if booking_id is not None and booking_id not in facts.booking_ids:
        made = ", ".join(facts.booking_ids) or "none"
        raise SummaryError(f"booking {booking_id!r} was not made in this conversation (made here: {made})")
    wanted = booking_id or (facts.booking_ids[-1] if facts.booking_ids else None)
    if wanted is None:
        return None, None
    booking, ics = (facts.booking, facts.ics) if facts.booking and facts.booking.get("id") == wanted else ({}, None)

    async def read(client: Client[Any]) -> tuple[Any, str | None]:
        found = await client.call_tool("get_booking", {"booking_id": wanted})
        contents = await client.read_resource(f"scheduling://bookings/{wanted}.ics")
        return found.structured_content, next((c.text for c in contents if isinstance(c, TextResourceContents)), None)

    try:
        if scheduling is None:
            raise LookupError("no scheduling server is configured")
        found, invite = await scheduling.request(read, read_only=True)
        if isinstance(found, dict):
            booking = found
        ics = invite or ics
    except Exception as exc:  # whatever keeps the server from answering, the copy from the chat still serves
        log.warning("summary: booking %s not read (%s); using the chat's copy", wanted, exc)
    if booking and booking.get("status") == "cancelled":
        return None, None  # nothing to invite to, and the summary must not call it booked
    return booking or None, ics


async def log_summary(
    crm: SupervisedToolset | None,
    session: Session,
    facts: Facts,
    visitor: Recipient,
    subject: str,
    text: str,
    booking: dict[str, Any] | None,
    key: str,
) -> str | None:
    """Log the summary on the visitor's contact (and lead); None when there is no contact or no crm."""
    if crm is None:
        return None
    body = text + (f"\n\nMeeting: booking {booking.get('id')} ({booking.get('start')})." if booking else "")
    body += f"\n\nSent to {visitor.email} from chat session {session.id}."

    async def contact(client: Client[Any]) -> str | None:
        page = await client.call_tool("search_records", {"object_type": "contact", "query": visitor.email, "limit": 5})
        items = (page.structured_content or {}).get("items") or []
        return next(
            (
                r["id"]
                for r in items
                if str((r.get("properties") or {}).get("email", "")).lower() == visitor.email.lower()
            ),
            None,
        )

    async def log_activity(client: Client[Any]) -> str | None:
        associations = [{"object_type": "contact", "id": contact_id}]
        if facts.lead_id:
            associations.append({"object_type": "lead", "id": facts.lead_id})
        logged = await client.call_tool(
            "log_activity",
            {
                "type": "email",
                "subject": subject,
                "body": body[:20_000],
                "associations": associations,
                "idempotency_key": key.replace(":", "-")[:200],
            },
        )
        return ((logged.structured_content or {}).get("record") or {}).get("id")

    try:
        contact_id = facts.contact_id if facts.contact_email == visitor.email else None
        if contact_id is None:
            contact_id = await crm.request(contact, read_only=True)
        if contact_id is None:
            return None
        # With its idempotency key, logging the note again after a lost connection cannot log it twice.
        return await crm.request(log_activity, read_only=True)
    except Exception as exc:  # the mail is queued; a CRM that cannot take the note must not undo that
        log.warning("summary of session %s not logged in the CRM: %s", session.id, exc)
        return None
