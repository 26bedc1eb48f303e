"""Tool schemas reach clients with their `$ref`s inlined, as fastmcp's default does, but inlined once per tool."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastmcp import Client, FastMCP
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import Tool
from pydantic import BaseModel
from salient_catalog.server import create
from salient_core.middleware import InlineSchemas


class Address(BaseModel):
    city: str
    country: str = "GB"


class Contact(BaseModel):
    name: str
    home: Address
    offices: list[Address] = []


def add_tools(mcp: FastMCP) -> None:
    @mcp.tool
    def save_contact(contact: Contact, previous: Contact | None = None) -> Contact:
        """Store a contact."""
        return contact


class Listings(Middleware):
    """Records the tool objects each `tools/list` returns from the middleware inside it."""

    def __init__(self) -> None:
        self.seen: list[list[Tool]] = []

    async def on_list_tools(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Sequence[Tool]]) -> Any:
        tools = list(await call_next(context))
        self.seen.append(tools)
        return tools


async def listed(mcp: FastMCP) -> dict[str, dict[str, Any]]:
    async with Client(mcp) as client:
        tools = await client.list_tools()
    return {t.name: {"input": t.input_schema, "output": t.output_schema} for t in tools}


async def test_schemas_are_inlined_as_fastmcp_inlines_them() -> None:
    default = FastMCP("default")
    add_tools(default)
    ours = FastMCP("ours", dereference_schemas=False, middleware=[InlineSchemas()])
    add_tools(ours)
    raw = FastMCP("raw", dereference_schemas=False)
    add_tools(raw)

    inlined = await listed(ours)
    fastmcps = await listed(default)
    for tool in fastmcps.values():  # ours also say that no other arguments are taken
        tool["input"]["additionalProperties"] = False
    assert inlined == fastmcps
    assert "$ref" in json.dumps(await listed(raw))  # the tool does have references to inline
    assert "$ref" not in json.dumps(inlined) and "$defs" not in json.dumps(inlined)
    assert inlined["save_contact"]["input"]["properties"]["contact"]["properties"]["home"]["required"] == ["city"]


async def test_each_tool_is_inlined_once_and_served_from_then_on() -> None:
    listings = Listings()
    mcp = FastMCP("ours", dereference_schemas=False, middleware=[listings, InlineSchemas()])
    add_tools(mcp)
    first, second = await listed(mcp), await listed(mcp)
    assert first == second
    assert len(listings.seen) == 2
    assert listings.seen[0][0] is listings.seen[1][0]  # the same inlined copy, not made again


async def test_servers_list_inlined_schemas(sqlite_url: str) -> None:
    schemas = await listed(create(db=sqlite_url))
    assert "search_products" in schemas
    assert "$ref" not in json.dumps(schemas)
