"""What only the HubSpot backend has: its token, its rate limits, one portal per account."""

from __future__ import annotations

import time

import pytest
from crm_support import call, hubspot_portal
from fastmcp import Client
from fastmcp.exceptions import ToolError
from mcp.types import TextContent
from pydantic import ValidationError
from salient_core.db import Database
from salient_core.errors import PermissionDenied
from salient_crm.backends.base import SearchQuery
from salient_crm.backends.factory import open_backend
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings


def test_choosing_hubspot_without_a_token_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="backend 'hubspot' needs hubspot_token"):
        CrmSettings(backend="hubspot")


async def test_a_429_is_retried_after_retry_after(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            crm.portal.throttle, crm.portal.retry_after = 2, "1"
            started = time.monotonic()
            created = await call(client, "upsert_contact", email="ada@example.com")
            assert created["created"] is True
            assert time.monotonic() - started >= 2.0  # waited Retry-After twice
            lookups = [p for _, m, p in crm.portal.log if m == "GET" and p.endswith("/ada@example.com")]
            assert len(lookups) == 3  # two refused, the third answered


async def test_a_429_past_the_retries_is_a_clear_error_and_changes_nothing(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            crm.portal.throttle, crm.portal.retry_after = 100, "0"
            before = len(crm.portal.log)
            with pytest.raises(ToolError, match="rate limiting this token and still answered 429 after 3 retries"):
                await client.call_tool("upsert_contact", {"email": "ada@example.com"})
            assert len(crm.portal.log) - before == 4  # the first try and three retries
            crm.portal.throttle = 0
            assert (await call(client, "search_records", object_type="contact"))["total"] == 0


async def test_a_429_past_the_retries_tells_the_client_how_long_to_wait(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            crm.portal.throttle, crm.portal.retry_after = 100, "45"  # longer than the server waits for itself
            result = await client.call_tool_mcp("upsert_contact", {"email": "ada@example.com"})
            assert result.is_error is True
            assert result.meta is not None and result.meta["retry_after_seconds"] == 45
            text = result.content[0]
            assert isinstance(text, TextContent) and "Wait 45 s and try again" in text.text
            crm.portal.throttle = 0
            assert (await call(client, "search_records", object_type="contact"))["total"] == 0


async def test_a_bad_token_is_a_clear_error(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url, hubspot_token="pat-na1-revoked") as crm:
        server = build_server(CrmSettings(**crm.settings))
        async with Client(server) as client:
            with pytest.raises(ToolError, match=r"refused the access token \(401\): Authentication credentials"):
                await client.call_tool("find_owner", {})
            with pytest.raises(ToolError, match="SALIENT_CRM_HUBSPOT_TOKEN"):
                await client.call_tool("search_records", {"object_type": "deal"})


async def test_searches_are_spaced_to_hubspots_search_limit(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url, hubspot_search_rate=5.0) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            for _ in range(6):
                await call(client, "search_records", object_type="company")
        times = [t for t, m, p in crm.portal.log if m == "POST" and p.endswith("/search")]
        assert len(times) == 6
        # HubSpot counts searches per second: no six of them may arrive within one second. The spacing is judged
        # over the whole run, not gap by gap, so one request delayed on a loaded machine cannot fail the test.
        assert times[5] - times[0] >= 0.9


async def test_a_portal_serves_only_its_own_account(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        db = Database(sqlite_url)
        try:
            backend = open_backend(db, CrmSettings(**crm.settings))
            assert (await backend.search("demo", "contact", SearchQuery()))[1] == 0
            with pytest.raises(PermissionDenied, match="belongs to account 'demo', not 'other'"):
                await backend.search("other", "contact", SearchQuery())
        finally:
            await db.close()
