"""Writes reach the in-memory catalog in place, and what it then answers equals what a fresh build answers."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from catalog_support import DATA
from salient_catalog import importer
from salient_catalog.service import CatalogService
from salient_core.db import Database

DEFAULTS: dict[str, Any] = {
    "query": "",
    "category": None,
    "price_min": None,
    "price_max": None,
    "in_stock": None,
    "attributes": {},
    "sort": "relevance",
    "limit": 10,
    "cursor": None,
    "detail": "full",
}
QUERIES: list[dict[str, Any]] = [
    {"query": "wheelchair"},
    {"query": "folding wheelchair", "in_stock": True},
    {"query": "bp monitor"},
    {"query": "wheelchiar"},
    {"query": "rollator with seat"},
    {"query": "", "sort": "price_asc"},
    {"query": "", "sort": "name", "in_stock": False},
    {"query": "chair", "sort": "newest", "limit": 2},
    {"category": "wheelchairs", "attributes": {"foldable": True}},
]


async def answers(service: CatalogService) -> list[dict[str, Any]]:
    return [(await service.search("demo", **{**DEFAULTS, **q})).model_dump(mode="json") for q in QUERIES]


@pytest.fixture
async def db(catalog_url: str) -> AsyncIterator[Database]:
    database = Database(catalog_url)
    try:
        yield database
    finally:
        await database.close()


def small_catalog() -> dict[str, Any]:
    return json.loads((DATA / "small.json").read_text())


async def import_from_elsewhere(url: str, data: dict[str, Any]) -> importer.ImportReport:
    """An import by another process: its own connection, nothing shared with the serving service."""
    other = Database(url)
    try:
        return await importer.write(other, "demo", importer.parse_json(data), strict=True)
    finally:
        await other.close()


async def test_a_stock_change_is_applied_in_place(db: Database) -> None:
    service = CatalogService(db, revision_ttl=60)  # only this process's own write makes it look again
    before = await service.read.get("demo")
    revision = before.revision
    assert (await service.search("demo", **{**DEFAULTS, "query": "aerolite", "in_stock": True})).total == 1
    change = await service.adjust_stock(
        "demo", sku="BW-AERO-18", delta=-3, reason="sold", idempotency_key="sale-0001", dry_run=False
    )
    assert change.stock_after == 0
    after = await service.read.get("demo")
    assert after is before and after.revision == revision + 1  # caught up, not rebuilt
    assert (await service.search("demo", **{**DEFAULTS, "query": "aerolite", "in_stock": True})).total == 0
    product = await service.get_product("demo", "BW-AERO-18")
    assert [v.stock for v in product.variants] == [0, 0] and not product.in_stock
    assert await answers(service) == await answers(CatalogService(db))


async def test_products_changed_and_added_elsewhere_are_applied_in_place(db: Database, catalog_url: str) -> None:
    service = CatalogService(db, revision_ttl=0)
    before = await service.read.get("demo")
    revision = before.revision
    assert (await service.search("demo", **{**DEFAULTS, "query": "bariatric"})).total == 0
    data = small_catalog()
    titan = next(p for p in data["products"] if p["handle"] == "titan-heavy-wheelchair")
    titan["name"] = "Titan Bariatric Wheelchair"
    titan["variants"][0]["price"] = "1.00"
    rollator = copy.deepcopy(titan)
    rollator.update(handle="roamer-rollator", name="Roamer Rollator with Seat", description="Four wheels and a seat.")
    for i, variant in enumerate(rollator["variants"]):
        variant["sku"] = f"BW-ROAM-{i}"
    data["products"].append(rollator)
    report = await import_from_elsewhere(catalog_url, data)
    assert (report.created, report.updated) == (1, 1)

    found = await service.search("demo", **{**DEFAULTS, "query": "bariatric"})
    after = await service.read.get("demo")
    assert after is before and after.revision == revision + 1
    assert [h.product.id for h in found.hits] == ["titan-heavy-wheelchair"]
    assert found.hits[0].product.name == "Titan Bariatric Wheelchair"
    assert found.hits[0].product.price_from.amount == 1
    rollators = await service.search("demo", **{**DEFAULTS, "query": "rollator"})
    assert [h.product.id for h in rollators.hits] == ["roamer-rollator"]
    assert (await service.get_product("demo", "BW-ROAM-0")).name == "Roamer Rollator with Seat"
    assert await answers(service) == await answers(CatalogService(db))


async def test_a_new_synonym_rebuilds_the_snapshot(db: Database, catalog_url: str) -> None:
    service = CatalogService(db, revision_ttl=0)
    before = await service.read.get("demo")
    assert (await service.search("demo", **{**DEFAULTS, "query": "tlsocks"})).total == 0
    data = small_catalog()
    data["synonyms"].append({"term": "tlsocks", "expansion": "compression socks"})
    await import_from_elsewhere(catalog_url, data)
    found = await service.search("demo", **{**DEFAULTS, "query": "tlsocks"})
    assert await service.read.get("demo") is not before
    assert [h.product.id for h in found.hits] == ["gradient-compression-socks"]
    assert await answers(service) == await answers(CatalogService(db))
