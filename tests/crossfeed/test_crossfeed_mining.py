"""Association rules: exact numbers on hand-counted orders, and incremental mining equal to mining all at once."""

from __future__ import annotations

import random

from crossfeed_support import DATA, load
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_crossfeed import importer, mining
from salient_crossfeed import repository as repo
from salient_crossfeed.records import OrderLine, OrderRecord
from salient_crossfeed.server import MIGRATIONS
from salient_crossfeed.sources import Parsed

# The products of each order in data/orders.csv (O7 holds two SKUs of one chair: one basket item).
BASKETS = [
    {"chair", "cushion"},
    {"chair", "cushion", "bag"},
    {"chair", "bag"},
    {"monitor", "cuff"},
    {"monitor"},
    {"cushion"},
    {"chair", "cushion"},
    {"monitor", "cuff", "bag"},
]
PRODUCT_OF = {"W-18": "chair", "W-20": "chair", "C-1": "cushion", "B-1": "bag", "M-1": "monitor", "F-1": "cuff"}
PRODUCT_OF |= {"P-1": "monitor-pro"}
LOOSE = mining.Thresholds(min_support=0.1, min_confidence=0.1, min_lift=1.2, min_pair_orders=2)


def test_counts_and_metrics_match_hand_counts() -> None:
    counts = mining.basket_counts(BASKETS)
    assert counts.orders == 8
    assert dict(counts.items) == {"chair": 4, "cushion": 4, "bag": 3, "monitor": 3, "cuff": 2}
    assert counts.pairs[("chair", "cushion")] == 3
    assert counts.pairs[("bag", "chair")] == 2
    assert counts.pairs[("cuff", "monitor")] == 2
    # chair -> cushion: 3/8 support, 3/4 confidence, (3/4) / (4/8) lift
    assert mining.metrics(8, 4, 4, 3) == (0.375, 0.75, 1.5)
    # cuff -> monitor: 2/8, 2/2, 1 / (3/8)
    assert mining.metrics(8, 2, 3, 2) == (0.25, 1.0, 2.6667)
    # monitor -> cuff: 2/8, 2/3, (2/3) / (2/8)
    assert mining.metrics(8, 3, 2, 2) == (0.25, 0.6667, 2.6667)


def test_rules_clear_every_threshold() -> None:
    counts = mining.basket_counts(BASKETS)
    found = mining.rules_from(counts.orders, counts.items, counts.pairs, ["chair"], LOOSE)
    assert [(r.consequent, r.support, r.confidence, r.lift) for r in found] == [
        ("cushion", 0.375, 0.75, 1.5),
        ("bag", 0.25, 0.5, 1.3333),
    ]
    strict = mining.Thresholds(min_support=0.1, min_confidence=0.1, min_lift=1.4, min_pair_orders=2)
    assert [r.consequent for r in mining.rules_from(8, counts.items, counts.pairs, ["chair"], strict)] == ["cushion"]
    # cushion -> bag has lift (1/4) / (3/8) < 1: buying one makes the other less likely, never a recommendation.
    assert all(r.consequent != "bag" for r in mining.rules_from(8, counts.items, counts.pairs, ["cushion"], LOOSE))


def test_adding_batches_equals_counting_all_at_once() -> None:
    rng = random.Random(7)
    products = [f"p{i}" for i in range(30)]
    baskets = [set(rng.sample(products, rng.randint(1, 5))) for _ in range(2000)]
    whole = mining.basket_counts(baskets)
    parts = mining.Counts()
    for start in range(0, len(baskets), 333):
        parts.add(mining.basket_counts(baskets[start : start + 333]))
    assert (parts.orders, parts.items, parts.pairs) == (whole.orders, whole.items, whole.pairs)


def _orders(n: int, seed: int) -> list[OrderRecord]:
    rng = random.Random(seed)
    skus = ["W-18", "W-20", "C-1", "B-1", "M-1", "F-1", "P-1"]
    return [
        OrderRecord(
            order_id=f"R{i}",
            customer=f"c{rng.randint(1, 40)}",
            date="2026-02-01",  # pyright: ignore[reportArgumentType]
            lines=[OrderLine(sku=s, quantity=1) for s in rng.sample(skus, rng.randint(1, 4))],
        )
        for i in range(n)
    ]


async def _import_orders(db: Database, orders: list[OrderRecord]) -> None:
    await importer.write(db, "demo", Parsed(records={"orders": [(o.order_id, o) for o in orders]}), strict=True)


async def test_incremental_import_equals_one_import_and_reimport_adds_nothing(db_url: str, tmp_path) -> None:
    orders = _orders(300, seed=11)
    await load(db_url, DATA / "small.yaml")
    other = f"sqlite:///{tmp_path / 'whole.db'}"
    await load(other, DATA / "small.yaml")
    incremental, whole = Database(db_url), Database(other)
    try:
        await upgrade(incremental, *MIGRATIONS)
        for start in range(0, 300, 70):  # five imports as orders arrive
            await _import_orders(incremental, orders[start : start + 70])
        await _import_orders(incremental, orders[:150])  # a re-sent batch changes nothing
        await _import_orders(whole, orders)
        async with incremental.session(account="demo") as a, whole.session(account="demo") as b:
            got, want = await repo.all_counts(a, "demo"), await repo.all_counts(b, "demo")
            assert got.orders == want.orders == 300
            assert (got.items, got.pairs) == (want.items, want.pairs)
            assert want == mining.basket_counts({PRODUCT_OF[line.sku] for line in o.lines} for o in orders)
            assert await repo.owned_by(a, "demo", "c1") == await repo.owned_by(b, "demo", "c1")
    finally:
        await incremental.close()
        await whole.close()
