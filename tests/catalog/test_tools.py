"""The catalog's tools other than search, and every bad input: a clear error, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert result.structured_content is not None
    return result.structured_content


async def stock_of(client: Client, sku: str) -> int:
    return (await call(client, "check_availability", sku=sku))["stock"]


async def test_get_product_by_id_or_any_sku(client: Client) -> None:
    by_id = await call(client, "get_product", id="omron-series-5")
    by_sku = await call(client, "get_product", id="bw-om5-xl")
    assert by_id == by_sku
    assert by_id["price_from"] == {"amount": "59.99", "currency": "USD"}
    assert by_id["variants"][1] == {
        "sku": "BW-OM5-XL",
        "title": "XL cuff",
        "price": {"amount": "64.99", "currency": "USD"},
        "compare_at_price": None,
        "in_stock": False,
        "stock": 0,
        "attributes": {"cuff_size": "XL"},
    }


async def test_lookup_lists_missing_refs(client: Client) -> None:
    result = await call(client, "lookup_products", ids=["BW-TITAN", "nope", "wristcheck-bp"])
    assert [p["id"] for p in result["products"]] == ["titan-heavy-wheelchair", "wristcheck-bp"]
    assert result["missing"] == ["nope"]


async def test_compare_aligns_attributes_and_marks_differences(client: Client) -> None:
    result = await call(client, "compare_products", ids=["aerolite-folding-wheelchair", "BW-TITAN"])
    rows = {r["attribute"]: r for r in result["rows"]}
    assert rows["frame_material"] == {
        "attribute": "frame_material",
        "values": ["aluminium", "steel"],
        "differs": True,
    }
    assert rows["foldable"]["differs"] is False
    assert rows["seat_width_in"]["values"] == ["18 / 20", 22]
    assert "weight_kg" in result["differing"] and "foldable" not in result["differing"]


async def test_compare_selected_rows(client: Client) -> None:
    result = await call(
        client, "compare_products", ids=["omron-series-5", "wristcheck-bp"], attributes=["price", "cuff_type"]
    )
    assert [r["attribute"] for r in result["rows"]] == ["price", "cuff_type"]


async def test_availability_suggests_sibling_variants(client: Client) -> None:
    result = await call(client, "check_availability", sku="BW-SOCK-XL", quantity=2)
    assert result["available"] is False
    assert [a["sku"] for a in result["alternatives"]] == ["BW-SOCK-S", "BW-SOCK-M", "BW-SOCK-L"]
    assert "out of stock" in result["message"]
    ok = await call(client, "check_availability", sku="BW-SOCK-M", quantity=9)
    assert ok["available"] is True
    short = await call(client, "check_availability", sku="BW-SOCK-M", quantity=10)
    assert short["available"] is False and "Only 9" in short["message"]


async def test_list_categories_is_a_paged_tree(client: Client) -> None:
    first = await call(client, "list_categories", limit=3)
    assert first["total"] == 5
    second = await call(client, "list_categories", limit=3, cursor=first["next_cursor"])
    items = first["items"] + second["items"]
    assert second["next_cursor"] is None
    assert [(c["slug"], c["depth"], c["product_count"]) for c in items] == [
        ("compression", 0, 1),
        ("monitoring", 0, 2),
        ("blood-pressure-monitors", 1, 2),
        ("mobility", 0, 3),
        ("wheelchairs", 1, 3),
    ]
    children = await call(client, "list_categories", parent="mobility")
    assert [c["slug"] for c in children["items"]] == ["wheelchairs"]


async def test_adjust_stock_dry_run_then_apply_then_replay(client: Client) -> None:
    key = "restock-2026-11-25-a"
    dry = await call(client, "adjust_stock", sku="BW-SOCK-XL", delta=5, idempotency_key=key, dry_run=True)
    assert dry == {
        "sku": "BW-SOCK-XL",
        "stock_before": 0,
        "stock_after": 5,
        "applied": False,
        "replayed": False,
    }
    assert await stock_of(client, "BW-SOCK-XL") == 0
    applied = await call(client, "adjust_stock", sku="BW-SOCK-XL", delta=5, idempotency_key=key)
    assert applied["applied"] is True
    replay = await call(client, "adjust_stock", sku="BW-SOCK-XL", delta=5, idempotency_key=key)
    assert replay == {**applied, "applied": False, "replayed": True}
    assert await stock_of(client, "BW-SOCK-XL") == 5
    # The search index sees the new stock at once.
    result = await call(client, "search_products", query="compression", in_stock=False)
    assert result["total"] == 0


async def test_resources_and_prompt(client: Client) -> None:
    categories = await client.read_resource("catalog://categories")
    assert '"slug":"wheelchairs"' in categories[0].text.replace(" ", "")
    facets = await client.read_resource("catalog://facets")
    assert '"weight_kg":"number"' in facets[0].text.replace(" ", "")
    prompt = await client.get_prompt("help_me_choose", {"need": "a light wheelchair", "budget": "under 600 USD"})
    assert "search_products" in prompt.messages[0].content.text


BAD_INPUTS = [
    ("get_product", {"id": "BW-NOPE"}, "No product or SKU 'BW-NOPE'"),
    ("check_availability", {"sku": "BW-NOPE"}, "No SKU 'BW-NOPE'"),
    (
        "check_availability",
        {"sku": "BW-TITAN", "quantity": -1},
        "quantity: Input should be greater than or equal to 1",
    ),
    ("search_products", {"price_min": 100, "price_max": 50}, "price_min 100.0 is above price_max 50.0"),
    ("compare_products", {"ids": ["a", "b", "c", "d", "e", "f"]}, "ids: List should have at most 5 items"),
    ("compare_products", {"ids": ["BW-TITAN"]}, "ids: List should have at least 2 items"),
    ("compare_products", {"ids": ["BW-TITAN", "BW-TITAN"]}, "The same product is listed twice"),
    ("compare_products", {"ids": ["BW-TITAN", "nope"]}, "No product or SKU 'nope'"),
    ("search_products", {"query": "x" * 10_000}, "query: String should have at most 500 characters"),
    (
        "search_products",
        {"attributes": {"weight": 3}},
        "Unknown attribute 'weight'. Did you mean 'weight_kg'?",
    ),
    ("search_products", {"attributes": {"cuff_type": {"min": 1}}}, "Attribute 'cuff_type' is not numeric"),
    ("search_products", {"attributes": {"weight_kg": {"min": 9, "max": 1}}}, "has min above max"),
    ("search_products", {"category": "wheelchair"}, "Unknown category 'wheelchair'. Closest: 'wheelchairs'"),
    ("search_products", {"cursor": "not-a-cursor"}, "Malformed cursor"),
    ("search_products", {"sort": "cheapest"}, "sort: Input should be 'relevance', 'price_asc'"),
    (
        "adjust_stock",
        {"sku": "BW-TITAN", "delta": -3, "idempotency_key": "take-three-1"},
        "would make it negative",
    ),
    ("adjust_stock", {"sku": "BW-NOPE", "delta": 1, "idempotency_key": "nope-key-1"}, "No SKU 'BW-NOPE'"),
    (
        "adjust_stock",
        {"sku": "BW-TITAN", "delta": 1, "idempotency_key": "short"},
        "idempotency_key: String should have",
    ),
    # Arguments are checked strictly against the input schema: nothing is coerced into the type it should have been.
    (
        "adjust_stock",
        {"sku": "BW-TITAN", "delta": True, "idempotency_key": "bool-delta-1"},
        "delta: Input should be a valid integer (got True)",
    ),
    (
        "adjust_stock",
        {"sku": "BW-TITAN", "delta": "2", "idempotency_key": "text-delta-1"},
        "delta: Input should be a valid integer (got '2')",
    ),
    (
        "adjust_stock",
        {"sku": "BW-TITAN", "delta": 1, "idempotency_key": "int-dry-run-1", "dry_run": 0},
        "dry_run: Input should be a valid boolean (got 0)",
    ),
    ("search_products", {"in_stock": "yes"}, "in_stock: Input should be a valid boolean (got 'yes')"),
]


@pytest.mark.parametrize(("tool", "args", "message"), BAD_INPUTS, ids=[f"{t}-{m[:30]}" for t, _, m in BAD_INPUTS])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: Client, tool: str, args: dict[str, Any], message: str
) -> None:
    before = await call(client, "search_products", limit=50, detail="full")
    with pytest.raises(ToolError, match=None) as caught:
        await client.call_tool(tool, args)
    assert message in str(caught.value)
    assert await call(client, "search_products", limit=50, detail="full") == before


async def test_cursor_from_another_query_is_refused(client: Client) -> None:
    page = await call(client, "search_products", query="wheelchair", limit=1)
    with pytest.raises(ToolError, match="belongs to a different query or account"):
        await client.call_tool("search_products", {"query": "monitor", "limit": 1, "cursor": page["next_cursor"]})


async def test_reused_idempotency_key_for_another_change_is_a_conflict(client: Client) -> None:
    await call(client, "adjust_stock", sku="BW-TITAN", delta=1, idempotency_key="restock-key-9")
    with pytest.raises(ToolError, match="already used for \\+1 on 'BW-TITAN'"):
        await client.call_tool("adjust_stock", {"sku": "BW-TITAN", "delta": 2, "idempotency_key": "restock-key-9"})
    assert await stock_of(client, "BW-TITAN") == 3


async def test_accounts_never_see_each_other(catalog_url: str) -> None:
    from salient_catalog.server import build_server
    from salient_catalog.settings import CatalogSettings

    async with Client(build_server(CatalogSettings(db=catalog_url, account="demo"))) as demo:
        page = await call(demo, "search_products", limit=1)
        assert page["total"] == 6
    async with Client(build_server(CatalogSettings(db=catalog_url, account="other"))) as other:
        empty = await call(other, "search_products")
        assert empty["total"] == 0 and empty["message"] == "This catalog has no products yet."
        with pytest.raises(ToolError, match="No product or SKU 'BW-TITAN'"):
            await other.call_tool("get_product", {"id": "BW-TITAN"})
        with pytest.raises(ToolError, match="belongs to a different query or account"):
            await other.call_tool("search_products", {"limit": 1, "cursor": page["next_cursor"]})
