"""What a conversation did, read from its own history: the facts an e-mail summary may rely on.

Tool results from the real servers (the contact upserted, the lead created, the meeting booked, the rep routed
to), never the model's say-so; and the transcript the summary is written from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp.types import Tool
from pydantic_ai import ModelMessage, ModelRequest, ToolReturnPart
from pydantic_ai.messages import ERROR_OUTCOMES

from salient_host.config.schema import Summaries
from salient_host.mail import InvalidAddress, Recipient
from salient_host.mcp.contracts import Contract
from salient_host.mcp.toolsets import tool_name
from salient_host.memory.models import Message
from salient_host.summaries.contracts import (
    BOOK_MEETING,
    CREATE_LEAD,
    FIND_REP,
    RESCHEDULE_MEETING,
    UPSERT_CONTACT,
    Booking,
    BookingMade,
    ContactUpserted,
    RecordWritten,
    Rep,
    RepPicked,
)


@dataclass
class Facts:
    """What a conversation did, from its tool results."""

    contact_id: str | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    lead_id: str | None = None
    booking: Booking | None = None  # the last booking made
    ics: str | None = None
    booking_ids: list[str] = field(default_factory=list)
    rep: Rep | None = None  # the last rep a router picked (find_rep)


def _returns(messages: Sequence[ModelMessage]) -> list[ToolReturnPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart) and part.outcome not in ERROR_OUTCOMES and isinstance(part.content, dict)
    ]


def history_facts(
    messages: Sequence[ModelMessage],
    servers: Sequence[str],
    settings: Summaries,
    published: Mapping[str, Mapping[str, Tool]] | None = None,
) -> Facts:
    """The contact, lead, bookings and rep pick a conversation produced, from its successful tool results.

    Each result is read through its contract (contracts.py): checked against the tool's schema in `published`
    (each server's published tools, by server name) when its server is there, and parsed either way; a result or
    schema that no longer carries what is read here raises ContractError.
    """
    facts = Facts()
    published = published or {}
    contracts: dict[str, tuple[str, Contract[Any]]] = {}  # model-facing tool name -> (server, contract)

    def read(server: str, *wanted: Contract[Any]) -> None:
        """Read the results of `wanted` tools of `server`, when the agent uses that server."""
        if server in servers:
            contracts.update({tool_name(server, c.tool): (server, c) for c in wanted})

    read(settings.crm_server, UPSERT_CONTACT, CREATE_LEAD)
    read(settings.scheduling_server, BOOK_MEETING, RESCHEDULE_MEETING)
    for server in servers:
        read(server, FIND_REP)  # a router of reps may be any server
    for part in _returns(messages):
        if part.tool_name not in contracts:
            continue
        server, contract = contracts[part.tool_name]
        tools = published.get(server)
        found = contract.parse(
            server, tools.get(contract.tool) if tools is not None else None, part.content, checked=tools is not None
        )
        if isinstance(found, ContactUpserted):
            props = found.contact.properties
            email = props.get("email")
            facts.contact_id, facts.contact_email = found.contact.id, email if isinstance(email, str) else None
            full = " ".join(str(props[k]) for k in ("first_name", "last_name") if props.get(k))
            facts.contact_name = full or None
        elif isinstance(found, RecordWritten):
            facts.lead_id = found.record.id
        elif isinstance(found, BookingMade):
            if found.applied or found.replayed:  # not a dry run
                facts.booking, facts.ics = found.booking, found.ics
                facts.booking_ids.append(found.booking.id)
        elif isinstance(found, RepPicked):
            facts.rep = found.rep
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
