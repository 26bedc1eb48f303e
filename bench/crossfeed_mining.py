"""Mining throughput: import N generated orders into crossfeed (SQLite), in batches as they would arrive.

    .venv/bin/python bench/crossfeed_mining.py [orders] [batch]

Prints orders per second for the import (which updates the mining counts), the peak memory of the process, and
the time of one mined-rule lookup over the resulting counts.
"""

from __future__ import annotations

import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_crossfeed import importer, mining
from salient_crossfeed import repository as repo
from salient_crossfeed.demo import demo_records
from salient_crossfeed.records import OrderLine, OrderRecord
from salient_crossfeed.server import MIGRATIONS
from salient_crossfeed.sources import Parsed


def orders(n: int, skus: list[str]) -> list[OrderRecord]:
    rng = random.Random(42)
    return [
        OrderRecord(
            order_id=f"B{i}",
            customer=f"c{rng.randint(1, n // 3 + 1)}",
            date=date(2026, 1, 1),
            lines=[OrderLine(sku=s, quantity=1) for s in rng.sample(skus, rng.randint(1, 4))],
        )
        for i in range(n)
    ]


async def main(total: int, batch: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(db, *MIGRATIONS)
        products = demo_records()
        products.records = {"products": products.records["products"]}
        await importer.write(db, "bench", products, strict=True)
        skus = [r.sku for _, r in products.records["products"]]  # pyright: ignore[reportAttributeAccessIssue]
        generated = orders(total, skus)
        started = time.perf_counter()
        for start in range(0, total, batch):
            chunk = generated[start : start + batch]
            await importer.write(db, "bench", Parsed(records={"orders": [(o.order_id, o) for o in chunk]}))
        elapsed = time.perf_counter() - started
        looked = time.perf_counter()
        async with db.session(account="bench") as session:
            basis = ["aerolite-folding-wheelchair"]
            pairs = await repo.pairs_with(session, "bench", basis)
            items = await repo.item_counts(session, "bench", {p for ab in pairs for p in ab})
            n = await repo.order_total(session, "bench")
        rules = mining.rules_from(
            n, items, pairs, basis, mining.Thresholds(min_support=0, min_confidence=0, min_lift=0, min_pair_orders=1)
        )
        lookup = time.perf_counter() - looked
        await db.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = Table("orders", "batch", "import s", "orders/s", "peak RSS MB", "rule lookup ms", "rules")
    table.add_row(
        f"{total:,}", f"{batch:,}", f"{elapsed:.1f}", f"{total / elapsed:,.0f}", f"{peak_mb:.0f}",
        f"{lookup * 1000:.1f}", str(len(rules)),
    )  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
    )
