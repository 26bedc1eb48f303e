"""search_products: ranking, typos, plurals, synonyms, filters, facets, paging, and the empty result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastmcp import Client


async def search(client: Client, **args: Any) -> dict[str, Any]:
    result = await client.call_tool("search_products", args)
    assert result.structured_content is not None
    return result.structured_content


def ids(result: dict[str, Any]) -> list[str]:
    return [hit["product"]["id"] for hit in result["hits"]]


@dataclass(frozen=True)
class Case:
    query: str
    top: frozenset[str]
    note: str | None = None


WHEELCHAIRS = frozenset({"aerolite-folding-wheelchair", "titan-heavy-wheelchair", "featherlite-transport-chair"})
BP = frozenset({"omron-series-5", "wristcheck-bp"})
CASES = [
    Case("folding wheelchair", WHEELCHAIRS),
    Case("lightweight folding wheelchair", frozenset({"aerolite-folding-wheelchair"})),
    Case("wheelchairs", WHEELCHAIRS),
    Case("bp monitor", BP, "'bp monitor' also means 'blood pressure monitor'"),
    Case("BP monitors wrist", frozenset({"wristcheck-bp"}), "'bp monitor' also means 'blood pressure monitor'"),
    Case("compression stocking", frozenset({"gradient-compression-socks"})),
    Case("BW-TITAN", frozenset({"titan-heavy-wheelchair"})),
    Case("transport chair", frozenset({"featherlite-transport-chair"})),
]


@pytest.mark.parametrize("case", CASES, ids=[c.query for c in CASES])
async def test_queries_rank_the_expected_products_first(client: Client, case: Case) -> None:
    result = await search(client, query=case.query)
    assert set(ids(result)[: len(case.top)]) == case.top
    if case.note:
        assert case.note in result["interpreted_as"]


@pytest.mark.parametrize(("typo", "word"), [("wheelchiar", "wheelchair"), ("compresion", "compression")])
async def test_a_typo_finds_what_the_word_finds(client: Client, typo: str, word: str) -> None:
    fixed = await search(client, query=typo)
    assert ids(fixed) == ids(await search(client, query=word))
    assert fixed["total"] > 0
    assert f"{typo!r} read as {word!r}" in fixed["interpreted_as"]


async def test_sku_query_returns_only_that_product(client: Client) -> None:
    result = await search(client, query="bw-om5-xl")
    assert ids(result) == ["omron-series-5"]


async def test_filters_combine(client: Client) -> None:
    result = await search(client, query="wheelchair", price_max=600, in_stock=True, attributes={"foldable": True})
    assert set(ids(result)) == {"aerolite-folding-wheelchair", "featherlite-transport-chair"}
    assert result["total"] == 2


async def test_category_filter_includes_subcategories(client: Client) -> None:
    result = await search(client, category="mobility", limit=50)
    assert result["total"] == 3
    assert {f["value"] for f in result["facets"]["categories"]} == {"mobility", "wheelchairs"}


async def test_attribute_range_and_list_filters(client: Client) -> None:
    light = await search(client, attributes={"weight_kg": {"max": 12}})
    assert set(ids(light)) == {"aerolite-folding-wheelchair", "featherlite-transport-chair"}
    cuffs = await search(client, attributes={"cuff_type": ["wrist", "Upper Arm"]})
    assert set(ids(cuffs)) == {"omron-series-5", "wristcheck-bp"}


async def test_price_filter_checks_each_variant(client: Client) -> None:
    # The AeroLite's variants cost 549 and 579: a 560-570 window matches neither.
    assert (await search(client, query="aerolite", price_min=560, price_max=570))["total"] == 0
    assert ids(await search(client, query="aerolite", price_min=570, price_max=590)) == ["aerolite-folding-wheelchair"]


async def test_facets_count_the_hits(client: Client) -> None:
    result = await search(client, category="blood-pressure-monitors")
    facets = result["facets"]
    assert {f["value"]: f["count"] for f in facets["brands"]} == {"Omron": 1, "Beurer": 1}
    assert {f["value"] for f in facets["attributes"]["cuff_type"]} == {"upper arm", "wrist"}
    assert facets["price_ranges"] == [{"value": "0-50", "count": 1}, {"value": "50-100", "count": 1}]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (
            "price_asc",
            ["featherlite-transport-chair", "aerolite-folding-wheelchair", "titan-heavy-wheelchair"],
        ),
        (
            "price_desc",
            ["titan-heavy-wheelchair", "aerolite-folding-wheelchair", "featherlite-transport-chair"],
        ),
        ("name", ["aerolite-folding-wheelchair", "featherlite-transport-chair", "titan-heavy-wheelchair"]),
    ],
)
async def test_sorting(client: Client, sort: str, expected: list[str]) -> None:
    assert ids(await search(client, category="wheelchairs", sort=sort)) == expected


async def test_paging_walks_every_hit_once(client: Client) -> None:
    seen, cursor = [], None
    while True:
        page = await search(client, limit=2, **({"cursor": cursor} if cursor else {}))
        assert page["total"] == 6
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6


async def test_full_detail_includes_variants(client: Client) -> None:
    result = await search(client, query="omron", detail="full")
    product = result["hits"][0]["product"]
    assert [v["sku"] for v in product["variants"]] == ["BW-OM5-M", "BW-OM5-XL"]
    assert product["category_path"] == ["Health Monitoring", "Blood Pressure Monitors"]
    summary = (await search(client, query="omron"))["hits"][0]["product"]
    assert "variants" not in summary


async def test_no_match_says_so_and_suggests_categories(client: Client) -> None:
    result = await search(client, query="blood pressure cuff xyzzy qqq")
    assert result["total"] > 0  # partial matches still rank
    empty = await search(client, query="zzzzzz")
    assert empty["total"] == 0 and empty["hits"] == []
    assert "No product matches 'zzzzzz'" in empty["message"]
    assert empty["suggestions"]


async def test_no_match_suggests_the_nearest_category(client: Client) -> None:
    empty = await search(client, query="wheelchairz", price_max=1)
    assert "none pass the filters" in empty["message"]
    assert empty["suggestions"][0]["slug"] == "wheelchairs"
