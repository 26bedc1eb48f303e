"""Crossfeed's tools through a real MCP client, on SQLite and PostgreSQL; every bad input changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from crossfeed_support import DATA, call, load, settings, snapshot
from fastmcp import Client
from fastmcp.exceptions import ToolError
from salient_crossfeed.server import build_server


async def test_cross_sell_carries_curated_and_mined_evidence(client: Client) -> None:
    result = await call(client, "recommend_cross_sell", product_ids=["W-18"])
    assert result["basis"] == ["chair"]
    assert [i["product"]["id"] for i in result["items"]] == ["cushion", "bag"]
    cushion, bag = result["items"]
    assert cushion["reason"] == "Thin sling seat."
    assert cushion["evidence"] == [
        {
            "kind": "curated",
            "id": "rule:chair-cushion",
            "primary": "chair",
            "relationship": "accessory",
            "reason": "Thin sling seat.",
            "bundle_discount_pct": "10.00",
            "priority": 10,
        },
        {
            "kind": "mined",
            "id": "mined:chair>cushion",
            "antecedent": "chair",
            "orders": 8,
            "antecedent_orders": 4,
            "pair_orders": 3,
            "support": 0.375,
            "confidence": 0.75,
            "lift": 1.5,
        },
    ]
    assert [e["kind"] for e in bag["evidence"]] == ["mined"]
    assert (bag["evidence"][0]["support"], bag["evidence"][0]["confidence"], bag["evidence"][0]["lift"]) == (
        0.25,
        0.5,
        1.3333,
    )
    assert bag["reason"] == "Bought with Light Chair in 2 of 4 orders (50%), 1.3x as often as by chance."
    assert bag["product"]["price_from"] == {"amount": "25.00", "currency": "USD"}


async def test_cross_sell_for_a_customer_leaves_out_what_they_own(client: Client) -> None:
    # bert bought chair, cushion and bag (O2): nothing new the evidence supports.
    owned = await call(client, "recommend_cross_sell", customer="bert")
    assert owned["basis"] == ["bag", "chair", "cushion"]
    assert owned["items"] == [] and "do not suggest add-ons without evidence" in owned["message"]
    # carol owns chair and bag; she is offered the cushion, not the bag again.
    carol = await call(client, "recommend_cross_sell", customer="carol")
    assert [i["product"]["id"] for i in carol["items"]] == ["cushion"]
    # Looking at a monitor while owning the cuff: exclude_owned decides whether the cuff comes back.
    dan = await call(client, "recommend_cross_sell", product_ids=["monitor"], customer="erin", exclude_owned=True)
    assert [i["product"]["id"] for i in dan["items"]] == ["cuff"]
    kept = await call(client, "recommend_cross_sell", product_ids=["chair"], customer="alice", exclude_owned=False)
    assert "cushion" in [i["product"]["id"] for i in kept["items"]]
    dropped = await call(client, "recommend_cross_sell", product_ids=["chair"], customer="alice")
    assert "cushion" not in [i["product"]["id"] for i in dropped["items"]] and "cushion" in dropped["excluded"]


async def test_upsell_with_price_difference_and_budget(client: Client) -> None:
    result = await call(client, "recommend_upsell", product_id="M-1")
    assert [(i["id"], i["price_difference"]["amount"]) for i in result["items"]] == [
        ("upsell:monitor-to-pro", "50.00"),
        ("upsell:monitor-to-max", "110.00"),
    ]
    assert result["items"][0]["gains"] == ["Bluetooth", "Memory for two"]
    within = await call(client, "recommend_upsell", product_id="monitor", budget="100")
    assert [i["product"]["id"] for i in within["items"]] == ["monitor-pro"]
    assert within["over_budget"] == ["monitor-max"] and within["budget"] == {"amount": "100", "currency": "USD"}
    none = await call(client, "recommend_upsell", product_id="monitor", budget="10")
    assert none["items"] == [] and none["message"] == "2 upgrade(s) exceed the budget."
    top = await call(client, "recommend_upsell", product_id="Q-1")
    assert top["items"] == [] and top["message"] == "No upgrade path is on file for 'monitor-max'."


async def test_competitors_battlecards_and_comparisons(client: Client) -> None:
    page = await call(client, "list_competitors", limit=1)
    assert page["total"] == 2 and page["items"][0]["id"] == "quiet"
    second = await call(client, "list_competitors", limit=1, cursor=page["next_cursor"])
    assert second["items"][0] == {
        "id": "rival",
        "name": "Rival Care",
        "website": "https://rival.example",
        "summary": "Cheap and far away.",
        "claims": 3,
    }
    card = await call(client, "get_battlecard", competitor="Rival Care")
    assert [c["topic"] for c in card["claims"]] == ["Validation", "Weight", "Returns"]
    assert all(c["source"].startswith("https://rival.example") and c["as_of"] for c in card["claims"])
    compared = await call(client, "compare_vs_competitor", product_id="W-20", competitor="rival")
    assert [(r["topic"], r["product"]) for r in compared["rows"]] == [("Weight", "chair"), ("Returns", None)]
    assert compared["their_products"] == ["Rival Chair"] and compared["message"] is None
    general = await call(client, "compare_vs_competitor", product_id="cushion", competitor="rival")
    assert [r["topic"] for r in general["rows"]] == ["Returns"]
    assert general["message"] == (
        "No claim compares Gel Cushion with Rival Care directly; only claims about all our products are shown."
    )
    empty = await call(client, "get_battlecard", competitor="quiet")
    assert empty["claims"] == [] and "rather than improvise" in empty["message"]


@pytest.mark.parametrize(
    ("details", "territory", "rule", "fallback"),
    [
        ({"country": "US", "region": "ca"}, "west", "country in US; region in CA, OR", False),
        ({"country": "US", "postal_code": "89501"}, "west", "country in US; postal prefix in 89", False),
        ({"country": "US", "region": "NY"}, "east", "country in US", False),
        ({"country": "US", "region": "CA", "industry": "clinic", "company_size": 250}, "key", None, False),
        ({"industry": "clinic", "company_size": 50, "country": "FR"}, "inside", None, True),
        ({"email_domain": "acme.de"}, "inside", None, True),
    ],
)
async def test_find_territory_says_which_rule_matched(
    client: Client, details: dict[str, Any], territory: str, rule: str | None, fallback: bool
) -> None:
    match = await call(client, "find_territory", **details)
    assert match["territory"]["id"] == territory
    assert match["fallback"] is fallback
    if rule is not None:
        assert match["matched_rule"] == rule
    if territory == "key":
        assert match["also_matched"] == ["west", "east"]
        assert match["reason"].startswith("Rule 1 of 'key' matched (industry in clinic; company size >= 200)")


async def test_round_robin_survives_a_restart_and_dry_run_takes_no_turn(store_url: str) -> None:
    async with Client(build_server(settings(store_url))) as client:
        peek = await call(client, "find_rep", territory="west", dry_run=True)
        assert (peek["rep"]["id"], peek["applied"]) == ("ann", False)
        picks = [(await call(client, "find_rep", country="US", region="OR"))["rep"]["id"] for _ in range(2)]
    async with Client(build_server(settings(store_url))) as client:  # a new process would see the same
        picks += [(await call(client, "find_rep", territory="WEST"))["rep"]["id"] for _ in range(2)]
        loaded = await call(client, "find_rep", territory="west", strategy="least_loaded")
    assert picks == ["ann", "bob", "cara", "ann"]
    assert loaded["rep"]["id"] == "bob" and loaded["reason"].endswith("least loaded: 1 of 10 assigned.")
    assert loaded["rep"]["assigned"] == 2


async def test_concurrent_round_robin_hands_out_every_turn_once(client: Client) -> None:
    picks = await asyncio.gather(*(call(client, "find_rep", territory="west") for _ in range(9)))
    reps = sorted(p["rep"]["id"] for p in picks)
    assert reps == ["ann"] * 3 + ["bob"] * 3 + ["cara"] * 3


async def test_full_territory_falls_back_and_idempotency_key_replays(client: Client) -> None:
    first = await call(client, "find_rep", role="CSM", industry="clinic", company_size=900, idempotency_key="lead-42-x")
    assert (first["rep"]["id"], first["fallback"]) == ("carl", False)
    again = await call(client, "find_rep", role="CSM", industry="clinic", company_size=900, idempotency_key="lead-42-x")
    assert again == {**first, "applied": False, "replayed": True}
    full = await call(client, "find_rep", role="CSM", territory="key")
    assert (full["rep"]["id"], full["fallback"]) == ("fay", True)
    assert full["reason"].startswith(
        "No CSM with spare capacity in 'key'; handed to the fallback territory 'inside' (it has no CSM, so its AE)"
    )


async def test_explain_shows_the_numbers(client: Client) -> None:
    mined = await call(client, "explain_recommendation", id="mined:cuff>monitor")
    assert mined["steps"][:4] == [
        "8 orders mined; 2 hold cuff, 3 hold monitor, 2 hold both.",
        "support = 2/8 = 0.25",
        "confidence = 2/2 = 1.0",
        "lift = confidence / (3/8) = 2.6667",
    ]
    assert mined["still_valid"] is True
    weak = await call(client, "explain_recommendation", id="mined:cushion>bag")
    assert weak["still_valid"] is False
    curated = await call(client, "explain_recommendation", id="rule:monitor-cuff")
    assert curated["kind"] == "curated" and "Reason on file: Cuffs wear out." in curated["steps"]
    upsell = await call(client, "explain_recommendation", id="upsell:monitor-to-pro")
    assert upsell["steps"][0] == "Price from 40.00 to 90.00 USD."


BAD_INPUTS = [
    ("recommend_cross_sell", {"product_ids": ["BW-NOPE"]}, "Unknown product or SKU 'BW-NOPE': crossfeed has no record"),
    ("recommend_cross_sell", {}, "Give product_ids, a customer, or both."),
    ("recommend_cross_sell", {"customer": "nobody"}, "No orders on file for customer 'nobody'"),
    ("recommend_cross_sell", {"product_ids": ["chair"], "limit": 0}, "limit: Input should be greater than or equal"),
    ("recommend_upsell", {"product_id": "BW-NOPE"}, "Unknown product or SKU 'BW-NOPE'"),
    ("recommend_upsell", {"product_id": "monitor", "budget": "-5"}, "budget -5 is below zero."),
    ("recommend_upsell", {"product_id": "monitor", "budget": "lots"}, "budget.text: String should match pattern"),
    ("recommend_upsell", {"product_id": "monitor", "budget": "1" * 21}, "budget.text: String should have at most 20"),
    ("recommend_upsell", {"product_id": "monitor", "budget": True}, "budget.number: Input should be a valid number"),
    ("get_battlecard", {"competitor": "acme"}, "Unknown competitor 'acme'. Known competitors: 'quiet', 'rival'."),
    ("get_battlecard", {"competitor": "rival", "product_id": "nope"}, "Unknown product or SKU 'nope'"),
    ("compare_vs_competitor", {"product_id": "X-9", "competitor": "rival"}, "Unknown product or SKU 'X-9'"),
    ("list_competitors", {"cursor": "garbage"}, "Malformed cursor"),
    ("find_territory", {}, "Give at least one detail"),
    ("find_territory", {"country": "USA"}, "country: String should have at most 2 characters"),
    ("find_territory", {"company_size": -1}, "company_size: Input should be greater than or equal to 0"),
    (
        "find_rep",
        {"territory": "mars"},
        "Unknown territory 'mars'. Known territories: 'east', 'inside', 'key', 'west'.",
    ),
    ("find_rep", {"territory": "west", "role": "VP"}, "role: Input should be 'AE', 'SE', 'CSM' or 'SDR'"),
    ("find_rep", {}, "Name a territory, or give the customer's details"),
    ("find_rep", {"territory": "west", "idempotency_key": "short"}, "idempotency_key: String should have at least 8"),
    ("find_rep", {"email_domain": "not a domain"}, "email_domain: String should match pattern"),
    ("explain_recommendation", {"id": "mined:chair>nothing"}, "No recommendation evidence 'mined:chair>nothing'"),
    ("explain_recommendation", {"id": "rule:nope"}, "No recommendation evidence 'rule:nope'"),
    # Arguments are checked strictly against the input schema: nothing is coerced into the type it should have been.
    ("find_rep", {"territory": "west", "dry_run": 0}, "dry_run: Input should be a valid boolean (got 0)"),
    ("find_rep", {"company_size": True, "country": "US"}, "company_size: Input should be a valid integer (got True)"),
    ("recommend_cross_sell", {"product_ids": ["chair"], "limit": "3"}, "limit: Input should be a valid integer"),
]


@pytest.mark.parametrize(("tool", "args", "message"), BAD_INPUTS, ids=[f"{t}-{m[:30]}" for t, _, m in BAD_INPUTS])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: Client, store_url: str, tool: str, args: dict[str, Any], message: str
) -> None:
    before = await snapshot(store_url)
    with pytest.raises(ToolError) as caught:
        await client.call_tool(tool, args)
    assert message in str(caught.value)
    assert await snapshot(store_url) == before


async def test_reused_idempotency_key_for_another_role_is_a_conflict(client: Client, store_url: str) -> None:
    await call(client, "find_rep", territory="west", idempotency_key="handoff-0001")
    before = await snapshot(store_url)
    with pytest.raises(ToolError, match="already used to find a AE, not a SE"):
        await client.call_tool("find_rep", {"territory": "west", "role": "SE", "idempotency_key": "handoff-0001"})
    assert await snapshot(store_url) == before


async def test_accounts_never_see_each_other(store_url: str) -> None:
    await load(store_url, DATA / "small.yaml", account="other")
    async with Client(build_server(settings(store_url, account="other"))) as other:
        # Same curated data, but none of demo's orders: only the curated rule is left as evidence.
        result = await call(other, "recommend_cross_sell", product_ids=["chair"])
        assert [e["kind"] for i in result["items"] for e in i["evidence"]] == ["curated"]
        await call(other, "find_rep", territory="west")
        with pytest.raises(ToolError, match="No orders on file for customer 'alice'"):
            await other.call_tool("recommend_cross_sell", {"customer": "alice"})
    async with Client(build_server(settings(store_url, account="third"))) as third:
        with pytest.raises(ToolError, match=r"Unknown territory 'west'\. Known territories: none yet\."):
            await third.call_tool("find_rep", {"territory": "west"})
        with pytest.raises(ToolError, match="Unknown product or SKU 'W-18'"):
            await third.call_tool("recommend_cross_sell", {"product_ids": ["W-18"]})
    async with Client(build_server(settings(store_url))) as demo:  # other's turn did not move demo's cursor
        assert (await call(demo, "find_rep", territory="west"))["rep"]["id"] == "ann"
