"""What a conversation did, read from its own history: the facts an e-mail summary may rely on.

Tool results from the real servers (the contact upserted, the lead created, the meeting booked, the rep routed
to), never the model's say-so; and the transcript the summary is written from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic_ai import ModelMessage, ModelRequest, ToolReturnPart
from pydantic_ai.messages import ERROR_OUTCOMES

from salient_host.config.schema import Summaries
from salient_host.mail import InvalidAddress, Recipient
from salient_host.mcp.toolsets import tool_name
from salient_host.memory.models import Message


@dataclass
class Facts:
    """What a conversation did, from its tool results."""

    contact_id: str | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    lead_id: str | None = None
    booking: dict[str, Any] | None = None  # the last booking made (scheduling's BookingOut)
    ics: str | None = None
    booking_ids: list[str] = field(default_factory=list)
    rep: dict[str, Any] | None = None  # crossfeed's find_rep pick (RepOut)


def _returns(messages: Sequence[ModelMessage]) -> list[ToolReturnPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart) and part.outcome not in ERROR_OUTCOMES and isinstance(part.content, dict)
    ]


def history_facts(messages: Sequence[ModelMessage], servers: Sequence[str], settings: Summaries) -> Facts:
    """The contact, lead, bookings and rep pick a conversation produced, from its successful tool results."""
    facts = Facts()

    def named(server: str, *tools: str) -> set[str]:
        """The model-facing names of `tools` of `server`, when the agent uses that server."""
        return {tool_name(server, tool) for tool in tools} if server in servers else set()

    upserts, leads = named(settings.crm_server, "upsert_contact"), named(settings.crm_server, "create_lead")
    bookings = named(settings.scheduling_server, "book_meeting", "reschedule_meeting")
    reps = {name for server in servers for name in named(server, "find_rep")}
    for part in _returns(messages):
        name = part.tool_name
        content = cast(dict[str, Any], part.content)  # _returns keeps only dict results
        if name in upserts:
            contact = content.get("contact") or {}
            props = contact.get("properties") or {}
            facts.contact_id, facts.contact_email = contact.get("id"), props.get("email")
            full = " ".join(str(props[k]) for k in ("first_name", "last_name") if props.get(k))
            facts.contact_name = full or None
        elif name in leads:
            facts.lead_id = (content.get("record") or {}).get("id")
        elif name in bookings:
            booking = content.get("booking")
            made = content.get("applied") is not False or content.get("replayed") is True  # not a dry run
            if isinstance(booking, dict) and made and booking.get("id"):
                facts.booking, facts.ics = booking, content.get("ics")
                facts.booking_ids.append(booking["id"])
        elif name in reps and isinstance(content.get("rep"), dict):
            facts.rep = content["rep"]
    return facts


def transcript(messages: Sequence[Message]) -> str:
    lines = []
    for message in messages:
        if message.role in ("user", "assistant") and message.text.strip():
            who = "Visitor" if message.role == "user" else "Assistant"
            lines.append(f"{who}: {message.text.strip()}")
    return "\n\n".join(lines)


def recipient(email: str | None, name: str | None = None) -> Recipient | None:
    if not email:
        return None
    try:
        return Recipient.parse(Recipient(email, name))
    except InvalidAddress:
        return None


# An address as people type it; the match is then exact, so a part of a typed address is not one.
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def typed_addresses(texts: Iterable[str]) -> set[str]:
    """The e-mail addresses in what the visitor wrote, lowercased, each whole."""
    return {found.lower().rstrip(".") for text in texts for found in ADDRESS.findall(text)}
