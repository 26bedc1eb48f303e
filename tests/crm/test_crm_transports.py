"""The CRM as clients run it: a stdio subprocess (Claude Desktop) and streamable HTTP with tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from crm_support import call
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ToolError
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings
from support import console_script, serve_asgi

CRM = console_script("salient-crm")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_subprocess_with_demo_data(sqlite_url: str, mode: str) -> None:
    args = ["--db", sqlite_url, "--demo", "--log-level", "WARNING"]
    async with Client(StdioTransport(command=CRM, args=args, keep_alive=False), mode=mode) as client:  # pyright: ignore[reportArgumentType]
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        for object_type in ("contact", "company", "deal"):
            assert (await call(client, "search_records", object_type=object_type))["total"] >= 50
        owners = await call(client, "find_owner", query="sam")
        assert owners["owners"][0]["email"] == "sam.rivera@brightwell.example"
        created = await call(client, "upsert_contact", email="visitor@example.com")
        assert created["created"] is True


@dataclass
class Running:
    url: str
    read_token: str
    write_token: str
    other_token: str


@pytest.fixture
async def running(crm_url: str) -> AsyncIterator[Running]:
    settings = CrmSettings(db=crm_url, http=True)
    async with token_store(settings, "crm") as store:
        _, read = await store.create(account="demo", scopes=["crm:read"], name="reader")
        _, write = await store.create(account="demo", scopes=["crm:write"], name="agent")
        _, other = await store.create(account="other", scopes=["crm:write"], name="other company")
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "tokens"
        async with serve_asgi(plan.app) as base:
            yield Running(f"{base}/mcp", read, write, other)


async def test_http_read_token_cannot_upsert_and_write_token_can(running: Running) -> None:
    async with Client(running.url, auth=running.read_token) as reader:
        with pytest.raises(ToolError, match="needs the 'crm:write' scope; this token has: crm:read"):
            await reader.call_tool("upsert_contact", {"email": "ada@example.com"})
        assert (await call(reader, "search_records", object_type="contact"))["total"] == 0
    async with Client(running.url, auth=running.write_token) as agent:
        created = await call(agent, "upsert_contact", email="ada@example.com")
        assert created["created"] is True
    async with Client(running.url, auth=running.read_token) as reader:
        assert (await call(reader, "search_records", object_type="contact"))["total"] == 1


async def test_http_account_comes_from_the_token(running: Running) -> None:
    async with Client(running.url, auth=running.write_token) as agent:
        await call(agent, "upsert_contact", email="ada@example.com")
    async with Client(running.url, auth=running.other_token, mode="legacy") as other:
        assert (await call(other, "search_records", object_type="contact"))["total"] == 0
        assert (await call(other, "upsert_contact", email="ada@example.com"))["created"] is True
