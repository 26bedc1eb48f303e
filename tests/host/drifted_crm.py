"""A real MCP server standing in for the crm server after its contract drifted from the host's.

It offers the crm tools the host reads, but publishes them changed: `search_records` items carry `fields` where
`properties` was, `log_activity` returns a record whose `id` is an integer, `upsert_contact`'s contact has no
`properties`, and `create_lead(source=)` no longer takes `utm_term`. Every call counts in the file given as the
first argument (one line per call), so a test can show that the host sent nothing the drift would have spoiled.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fastmcp import FastMCP
from mcp.types import ToolAnnotations
from pydantic import BaseModel

WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False)
READ = ToolAnnotations(read_only_hint=True)


class Item(BaseModel):
    id: str
    fields: dict[str, str]


class Page(BaseModel):
    items: list[Item]
    total: int


class NumberedRecord(BaseModel):
    id: int


class Logged(BaseModel):
    record: NumberedRecord


class Contact(BaseModel):
    id: str


class Upserted(BaseModel):
    contact: Contact
    created: bool


class Source(BaseModel):
    page: str | None = None
    referrer: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None


class Lead(BaseModel):
    id: str
    properties: dict[str, Any]


class Created(BaseModel):
    record: Lead


def build(calls: Path) -> FastMCP:
    mcp = FastMCP("drifted-crm")

    def count(tool: str) -> None:
        with calls.open("a") as out:
            out.write(tool + "\n")

    @mcp.tool(annotations=READ)
    def search_records(object_type: str, query: str = "", limit: int = 20) -> Page:
        """Search records."""
        count("search_records")
        return Page(items=[Item(id="c_1", fields={"email": query})], total=1)

    @mcp.tool(annotations=WRITE)
    def log_activity(
        type: str, subject: str, body: str, associations: list[dict[str, str]], idempotency_key: str = ""
    ) -> Logged:
        """Log an activity."""
        count("log_activity")
        return Logged(record=NumberedRecord(id=7))

    @mcp.tool(annotations=WRITE)
    def upsert_contact(email: str, first_name: str = "", last_name: str = "") -> Upserted:
        """Create or update a contact."""
        count("upsert_contact")
        return Upserted(contact=Contact(id="c_1"), created=True)

    @mcp.tool(annotations=WRITE)
    def create_lead(title: str, source: Source | None = None) -> Created:
        """Create a lead."""
        count("create_lead")
        return Created(record=Lead(id="l_1", properties={"title": title}))

    return mcp


if __name__ == "__main__":
    build(Path(sys.argv[1])).run(transport="stdio", show_banner=False)
