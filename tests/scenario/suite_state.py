"""The founding scenario's view of the servers' state: contacts, leads, timelines, bookings, invites, tool outcomes.

Each asks a server directly (`scenario_support.call`), not through the host, so a test checks what was really
stored. The servers are shared by a module's tests, so lists are filtered to one visitor or read page by page.
"""

from __future__ import annotations

from typing import Any

from fastmcp import Client
from scenario_support import call
from suite_servers import RunningServer


async def contact_of(suite: dict[str, RunningServer], email: str) -> list[dict[str, Any]]:
    page = await call(suite["crm"], "search_records", {"object_type": "contact", "query": email, "limit": 10})
    return [r for r in page["items"] if r["properties"].get("email") == email]


async def all_bookings(suite: dict[str, RunningServer], rep: str | None = None) -> list[dict[str, Any]]:
    """Every booking on the scheduling server (of one rep), page by page: tests share the server."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        args: dict[str, Any] = {"limit": 100}
        if rep is not None:
            args["rep"] = rep
        if cursor is not None:
            args["cursor"] = cursor
        page = await call(suite["scheduling"], "list_bookings", args)
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def bookings_of(suite: dict[str, RunningServer], rep: str | None, email: str) -> list[dict[str, Any]]:
    return [b for b in await all_bookings(suite, rep) if b["attendee"]["email"] == email and b["status"] == "confirmed"]


async def total(suite: dict[str, RunningServer], object_type: str, query: str = "") -> int:
    page = await call(suite["crm"], "search_records", {"object_type": object_type, "query": query, "limit": 1})
    return page["total"]


async def leads_of(suite: dict[str, RunningServer], contact_id: str) -> list[str]:
    records = await call(suite["crm"], "get_records", {"object_type": "contact", "ids": [contact_id]})
    return records["records"][0]["associations"].get("lead", [])


async def timeline_of(suite: dict[str, RunningServer], contact_id: str) -> list[dict[str, Any]]:
    page = await call(suite["crm"], "list_activities", {"object_type": "contact", "id": contact_id})
    return page["items"]


def tool_outcomes(calls: list[Any]) -> list[tuple[str, str, str]]:
    return [(c.server, c.tool, c.outcome) for c in calls]


async def read_ics(server: RunningServer, booking_id: str) -> str:
    """A booking's calendar invite, as the scheduling server serves it (a resource, not a tool)."""
    async with Client(server.url) as client:
        contents = await client.read_resource(f"scheduling://bookings/{booking_id}.ics")
    return contents[0].text  # type: ignore[union-attr]
