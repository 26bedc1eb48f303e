"""The demo company's catalog slice (Brightwell Home Health), shipped inside the package."""

from __future__ import annotations

import json
from importlib.resources import files

from salient_core.db import Database

from salient_catalog import importer
from salient_catalog import repository as repo
from salient_catalog.service import CatalogService

DEMO_FILE = files("salient_catalog") / "demo" / "catalog.json"


async def load_demo(service: CatalogService, account: str) -> None:
    """Import the demo catalog into `account` unless it already has products."""
    await load_demo_into(service.db, account)


async def load_demo_into(db: Database, account: str) -> importer.ImportReport | None:
    async with db.session(account=account) as session:
        if await repo.count_products(session, account):
            return None
    parsed = importer.parse_json(json.loads(DEMO_FILE.read_text(encoding="utf-8")))
    return await importer.write(db, account, parsed, strict=True)
