from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastmcp import Client
from salient_catalog import importer
from salient_catalog.server import MIGRATIONS, build_server
from salient_catalog.settings import CatalogSettings
from salient_core.db import Database
from salient_core.migrate import upgrade

DATA = Path(__file__).parent / "data"


async def load(url: str, account: str = "demo", file: Path = DATA / "small.json") -> importer.ImportReport:
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        return await importer.import_file(db, account, file, strict=True)
    finally:
        await db.close()


@pytest.fixture
async def catalog_url(db_url: str) -> str:
    """A database (SQLite, then PostgreSQL) holding the small test catalog in account 'demo'."""
    await load(db_url)
    return db_url


@pytest.fixture
async def client(catalog_url: str) -> AsyncIterator[Client]:
    async with Client(build_server(CatalogSettings(db=catalog_url))) as c:
        yield c


async def load_lenient(url: str, file: Path, account: str = "demo") -> importer.ImportReport:
    db = Database(url)
    try:
        await upgrade(db, *MIGRATIONS)
        return await importer.import_file(db, account, file, strict=False)
    finally:
        await db.close()
