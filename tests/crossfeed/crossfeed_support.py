"""Fixtures and helpers for the crossfeed tests: a small store loaded on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_crossfeed import importer
from salient_crossfeed.models import Base
from salient_crossfeed.server import MIGRATIONS, build_server
from salient_crossfeed.settings import CrossfeedSettings
from sqlalchemy import text

DATA = Path(__file__).parent / "data"
# Loose enough that the eight hand-made orders in orders.csv produce rules.
TEST_THRESHOLDS: dict[str, Any] = {"min_support": 0.1, "min_confidence": 0.1, "min_lift": 1.2, "min_pair_orders": 2}


async def load(url: str, *files: Path, account: str = "demo", strict: bool = True) -> list[importer.ImportReport]:
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        return [await importer.import_file(db, account, f, strict=strict) for f in files]
    finally:
        await db.close()


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every crossfeed table, to show that a refused request changed nothing."""
    db = Database(url)
    try:
        async with db.session() as session:
            found = {}
            for table in Base.metadata.sorted_tables:
                rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
                found[table.name] = sorted(tuple(map(str, r)) for r in rows)
            return found
    finally:
        await db.close()


def settings(url: str, **overrides: Any) -> CrossfeedSettings:
    return CrossfeedSettings(db=url, **{**TEST_THRESHOLDS, **overrides})


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.structured_content is not None
    return result.structured_content


@pytest.fixture
async def store_url(db_url: str) -> str:
    """A database (SQLite, then PostgreSQL) holding the small test store and its orders in account 'demo'."""
    await load(db_url, DATA / "small.yaml", DATA / "orders.csv")
    return db_url


@pytest.fixture
async def client(store_url: str) -> AsyncIterator[Client]:
    async with Client(build_server(settings(store_url))) as c:
        yield c
