"""Fixtures and helpers for the crm tests: a migrated database with the demo reps and pipelines, and a client.

`client` runs each behavioural test on every backend: local on SQLite, local on PostgreSQL, and HubSpot (the
fake HubSpot API of `hubspot_fake`, driven through the real `hubspot-api-client`, its portal set up with
`salient-crm hubspot setup`'s properties). HubSpot's search lags writes, so a test that searches for what it
just wrote first waits with `indexed(crm)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastmcp import Client
from hubspot_fake import Portal, build_app
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_crm.backends.hubspot_api import HubSpotApi
from salient_crm.backends.hubspot_setup import setup
from salient_crm.backends.local import LocalBackend
from salient_crm.demo import OWNERS, PIPELINES
from salient_crm.server import MIGRATIONS, build_server
from salient_crm.settings import CrmSettings
from support import fresh_postgres_database, require_postgres, serve_asgi

# The behavioural suite makes hundreds of searches; at HubSpot's 5 per second it would mostly wait. The throttle
# itself is tested at the default rate in test_crm_hubspot.py.
FAST_SEARCH_RATE = 1000.0


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


@dataclass
class Crm:
    """One backend under test: its settings, and for HubSpot the fake portal behind it."""

    backend: str
    settings: dict[str, Any]
    portal: Portal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def owner(self, key: str) -> str:
        """The id of a demo rep (`maya-chen`) in this backend; HubSpot gives owners numeric ids."""
        return self.portal.owner_ids[key] if self.portal else key


@contextlib.asynccontextmanager
async def hubspot_portal(db_url: str, *, set_up: bool = True, **settings: Any) -> AsyncIterator[Crm]:
    """A fake HubSpot portal served on a free port (with Salient's custom properties unless `set_up` is False),
    and settings pointing a crm server at it."""
    await prepare(db_url)
    portal = Portal()
    async with serve_asgi(build_app(portal)) as base:
        if set_up:
            await setup(HubSpotApi(portal.token, base, search_rate=FAST_SEARCH_RATE))
        yield Crm(
            "hubspot",
            {
                "db": db_url,
                "backend": "hubspot",
                "hubspot_token": portal.token,
                "hubspot_base_url": base,
                "hubspot_search_rate": FAST_SEARCH_RATE,
            }
            | settings,
            portal,
        )


@pytest.fixture(params=["local-sqlite", "local-postgres", "hubspot"])
async def crm(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Crm]:
    sqlite = f"sqlite:///{tmp_path / 'test.db'}"
    if request.param == "hubspot":
        async with hubspot_portal(sqlite) as crm:
            yield crm
        return
    if request.param == "local-sqlite":
        await prepare(sqlite)
        yield Crm("local", {"db": sqlite})
        return
    await require_postgres()
    async with fresh_postgres_database() as url:
        await prepare(url)
        yield Crm("local", {"db": url})


@pytest.fixture
async def client(crm: Crm) -> AsyncIterator[Client]:
    async with Client(build_server(CrmSettings(**crm.settings))) as c:
        yield c


async def indexed(crm: Crm) -> None:
    """Wait until HubSpot's search shows every write so far (at once for the local backend)."""
    if crm.portal is not None:
        await asyncio.sleep(crm.portal.settles_in())


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.structured_content is not None
    return result.structured_content


async def new_contact(client: Client, email: str = "ada@example.com", **fields: Any) -> str:
    return (await call(client, "upsert_contact", email=email, **fields))["contact"]["id"]


async def new_deal(client: Client, name: str = "Beds for Elm House", **kw: Any) -> str:
    args = {"properties": {"name": name, "amount": "12000", "currency": "USD"}, "idempotency_key": f"deal-{name}"}
    return (await call(client, "create_record", object_type="deal", **args | kw))["record"]["id"]


async def snapshot(client: Client, crm: Crm) -> dict[str, Any]:
    """Everything a test could see change: every record of every type, and the timelines of the contacts."""
    await indexed(crm)  # records are found by search; the ids it finds are then read directly
    state: dict[str, Any] = {}
    for object_type in ("contact", "company", "deal", "lead", "activity"):
        page = await call(client, "search_records", object_type=object_type, limit=100)
        ids = [r["id"] for r in page["items"]]
        state[object_type] = (
            (await call(client, "get_records", object_type=object_type, ids=ids))["records"] if ids else []
        )
    return state
