"""Fixtures and helpers for the crm tests: a migrated database with the demo reps and pipelines, and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_crm.backends.local import LocalBackend
from salient_crm.demo import OWNERS, PIPELINES
from salient_crm.server import MIGRATIONS, build_server
from salient_crm.settings import CrmSettings


async def prepare(url: str, account: str = "demo") -> None:
    """Migrate `url` and give `account` the demo company's reps and pipelines (no customers)."""
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        await LocalBackend(db).load_reference(account, OWNERS, PIPELINES)
    finally:
        await db.close()


@pytest.fixture
async def crm_url(db_url: str) -> str:
    """A database (SQLite, then PostgreSQL) with reps and pipelines in account 'demo'."""
    await prepare(db_url)
    return db_url


@pytest.fixture
async def client(crm_url: str) -> AsyncIterator[Client]:
    async with Client(build_server(CrmSettings(db=crm_url))) as c:
        yield c


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.structured_content is not None
    return result.structured_content


async def new_contact(client: Client, email: str = "ada@example.com", **fields: Any) -> str:
    return (await call(client, "upsert_contact", email=email, **fields))["contact"]["id"]


async def new_deal(client: Client, name: str = "Beds for Elm House", **kw: Any) -> str:
    args = {"properties": {"name": name, "amount": "12000", "currency": "USD"}, "idempotency_key": f"deal-{name}"}
    return (await call(client, "create_record", object_type="deal", **args | kw))["record"]["id"]


async def snapshot(client: Client) -> dict[str, Any]:
    """Everything a test could see change: every record of every type, and the timelines of the contacts."""
    state: dict[str, Any] = {}
    for object_type in ("contact", "company", "deal", "lead", "activity"):
        page = await call(client, "search_records", object_type=object_type, limit=100)
        ids = [r["id"] for r in page["items"]]
        state[object_type] = (
            (await call(client, "get_records", object_type=object_type, ids=ids))["records"] if ids else []
        )
    return state
