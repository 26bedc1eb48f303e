"""Product type over accessory on the demo catalog: a query that names a type gets that type first, and a query
that names an accessory still gets the accessory; accessories are recognised from category or attributes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from fastmcp import Client
from salient_catalog.demo import load_demo_into
from salient_catalog.search import Filters, IndexedCategory, IndexedProduct, IndexedVariant, SearchIndex
from salient_catalog.search.ranking import search as rank
from salient_catalog.server import MIGRATIONS, build_server
from salient_catalog.settings import CatalogSettings
from salient_core.db import Database
from salient_core.migrate import upgrade

ACCESSORY_CATEGORIES = {"mobility-accessories", "monitoring-accessories", "cpap-accessories"}


@pytest.fixture
async def demo(db_url: str) -> AsyncIterator[Client]:
    db = Database(db_url)
    try:
        await upgrade(db, *MIGRATIONS)
        await load_demo_into(db, "demo")
    finally:
        await db.close()
    async with Client(build_server(CatalogSettings(db=db_url))) as c:
        yield c


async def hits(client: Client, **args: Any) -> list[dict[str, Any]]:
    result = await client.call_tool("search_products", args)
    assert result.structured_content is not None
    return [hit["product"] for hit in result.structured_content["hits"]]


# Before: "wheelchair" gave Armrest Pouch, ComfortGel Cushion, Carryall Backpack and AirFlow Cushion first, and
# "rollator" and "cane" their bags, holders and tips.
@pytest.mark.parametrize(
    ("query", "category", "first"),
    [
        ("wheelchair", "wheelchairs", 10),
        ("rollator", "rollators", 9),
        ("cane", "canes", 8),
        ("mobility scooter", "mobility-scooters", 8),
        ("thermometer", "thermometers", 9),
    ],
)
async def test_a_type_query_ranks_the_type_above_its_accessories(
    demo: Client, query: str, category: str, first: int
) -> None:
    products = await hits(demo, query=query)
    assert [p["category"] for p in products[:first]] == [category] * first
    assert any(p["category"] in ACCESSORY_CATEGORIES for p in await hits(demo, query=query, limit=30))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wheelchair cushion", {"comfortgel-wheelchair-cushion", "airflow-cell-wheelchair-cushion"}),
        ("cane tips", {"griptip-replacement-cane-tips-2-pack"}),
        ("scooter battery", {"powercell-12v-12ah-scooter-battery-pair", "zippi-lithium-scooter-battery-pack"}),
        ("rollator bag", {"cityline-rollator-seat-bag"}),
        ("wheelchair bag", {"brightwell-carryall-wheelchair-backpack", "wheelchair-armrest-pouch"}),
    ],
)
async def test_a_query_for_an_accessory_still_returns_the_accessory_first(
    demo: Client, query: str, expected: set[str]
) -> None:
    products = await hits(demo, query=query)
    assert {p["id"] for p in products[: len(expected)]} == expected


async def test_accessories_filtered_to_their_category_are_all_still_there(demo: Client) -> None:
    products = await hits(demo, query="wheelchair", category="mobility-accessories")
    assert {p["id"] for p in products} >= {
        "wheelchair-armrest-pouch",
        "comfortgel-wheelchair-cushion",
        "brightwell-carryall-wheelchair-backpack",
        "airflow-cell-wheelchair-cushion",
    }


def product(pk: int, name: str, category_id: int, **attributes: Any) -> IndexedProduct:
    variant = IndexedVariant(f"SKU-{pk}", name, Decimal(10), None, "USD", 1, {})
    return IndexedProduct(pk, f"p{pk}", name, "Acme", category_id, name, (), attributes, (variant,))


def test_accessories_are_recognised_from_category_or_attribute() -> None:
    categories = [
        IndexedCategory(1, "mobility", "Mobility", None),
        IndexedCategory(2, "canes", "Canes", 1),
        IndexedCategory(3, "mobility-accessories", "Mobility Accessories", 1),
        IndexedCategory(4, "cane-parts", "Cane Parts", 3),  # below an accessories category
    ]
    index = SearchIndex(
        [
            product(1, "Oak Cane", 2),
            product(2, "Cane Tip", 3),
            product(3, "Cane Ferrule", 4),
            product(4, "Cane Strap", 2, accessory_type="strap"),
        ],
        categories,
        {},
    )
    assert [bool(index.accessory[index.position[pk]]) for pk in (1, 2, 3, 4)] == [False, True, True, True]
    ranked = rank(index, "cane", Filters(), "relevance")
    assert [index.products[i].pk for i in ranked.page][:1] == [1]
    assert [index.products[i].pk for i in rank(index, "cane tip", Filters(), "relevance").page][:1] == [2]
