"""The demo company's crossfeed slice (Brightwell Home Health), shipped inside the package.

`demo/products.json` lists the catalog's SKUs, `demo/knowledge.yaml` the curated rules, up-sell paths,
battlecards, territories and reps. Order history is generated here, deterministically (one seeded
`random.Random`), from buying patterns a home-medical store would see: an anchor product, its usual add-ons with
their own likelihoods, and some unrelated items, so mining finds real associations and ignores the noise.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from importlib.resources import files

from salient_core.db import Database
from sqlalchemy import func, select

from salient_crossfeed import importer
from salient_crossfeed.models import Product
from salient_crossfeed.records import OrderLine, OrderRecord
from salient_crossfeed.service import CrossfeedService
from salient_crossfeed.sources import Parsed, parse_document

DEMO = files("salient_crossfeed") / "demo"
ORDERS = 560
CUSTOMERS = 220
FIRST_DAY = date(2025, 1, 6)

# anchor product -> (add-on, chance it is in the same order)
PATTERNS: dict[str, list[tuple[str, float]]] = {
    "BW-WC-AEROLI-18-BLU": [("BW-MA-COMFOR-18", 0.55), ("BW-MA-ECARRY-BLA", 0.35)],
    "BW-WC-CRUISE-18": [("BW-MA-COMFOR-18", 0.5), ("BW-MA-WHEELC", 0.3)],
    "BW-WC-EMETRO-18": [("BW-MA-SWIVEL", 0.3), ("BW-MA-COMFOR-18", 0.3)],
    "BW-RL-CITYLI-BLU": [("BW-MA-CITYLI-BLU", 0.5), ("BW-MA-CLIP", 0.3)],
    "BW-RL-TREKKE": [("BW-MA-CITYLI-BLA", 0.4)],
    "BW-SC-ZIPPI-RED": [("BW-MA-ZIPPI", 0.6), ("BW-MA-ALLWEA", 0.3)],
    "BW-SC-SCOUT3-BLU": [("BW-MA-POWERC", 0.5), ("BW-MA-ALLWEA", 0.35)],
    "BW-BP-SERIES5-M": [("BW-MN-WIDE-ML", 0.45), ("BW-MN-ACADA", 0.3)],
    "BW-BP-SERIES7-M": [("BW-MN-REPLAC-M", 0.4), ("BW-MN-HEALTH", 0.25)],
    "BW-GM-CORE": [("BW-MN-BLOOD-50", 0.75), ("BW-MN-THIN-100", 0.6)],
    "BW-GM-CONNEC": [("BW-MN-BLOOD-100", 0.7), ("BW-MN-THIN-200", 0.5)],
    "BW-TH-EARPRO": [("BW-MN-EARPRO-40", 0.55)],
    "BW-OX-O2FIN-BLA": [("BW-MN-OXIMET", 0.45)],
    "BW-HB-COMFOR-BED": [("BW-BR-HALF", 0.55), ("BW-PM-VISCOC", 0.4)],
    "BW-HB-ESSENT-BED": [("BW-PM-VISCOC", 0.5), ("BW-BR-ADJUST", 0.35)],
    "BW-CP-HEATED": [("BW-CP-DISPOS", 0.5), ("BW-CP-CPAP-62", 0.4)],
    "BW-WK-GLIDE-SIL": [("BW-MA-GLIDEE", 0.45)],
    "BW-CN-STRIDE-BLA": [("BW-MA-GRIPTI", 0.45)],
    "BW-SH-SHOWER": [("BW-GB-KNURLE-16", 0.4), ("BW-TS-4INC", 0.3)],
}
NOISE = [
    "BW-FA-HOME", "BW-PO-7DAY-BLU", "BW-RC-CLASSI-32", "BW-TH-FLEX", "BW-BC-COMPRE-M", "BW-CS-EVERYD-M",
    "BW-TN-RELIEF2", "BW-NB-COMPAC", "BW-FA-TRAVEL", "BW-PO-TRAVEL", "BW-RC-FOLDIN", "BW-OX-EFINGE",
]  # fmt: skip


def demo_orders(seed: int = 42) -> list[OrderRecord]:
    """The demo's order history: the same orders for the same seed, on every machine."""
    rng = random.Random(seed)
    anchors = sorted(PATTERNS)
    orders = []
    for number in range(1, ORDERS + 1):
        skus = {rng.choice(anchors)} if rng.random() < 0.85 else {rng.choice(NOISE)}
        for anchor in list(skus):
            skus.update(addon for addon, chance in PATTERNS.get(anchor, []) if rng.random() < chance)
        if rng.random() < 0.3:
            skus.add(rng.choice(NOISE))
        lines = [OrderLine(sku=sku, quantity=rng.choice((1, 1, 1, 2))) for sku in sorted(skus)]
        orders.append(
            OrderRecord(
                order_id=f"BW-{100000 + number}",
                customer=f"cust-{rng.randint(1, CUSTOMERS):04d}",
                date=FIRST_DAY + timedelta(days=number * 650 // ORDERS),
                lines=lines,
            )
        )
    return orders


def demo_records() -> Parsed:
    parsed = parse_document((DEMO / "products.json").read_text(encoding="utf-8"), "products.json", None)
    knowledge = parse_document((DEMO / "knowledge.yaml").read_text(encoding="utf-8"), "knowledge.yaml", None)
    parsed.records.update(knowledge.records)
    parsed.problems += knowledge.problems
    parsed.records["orders"] = [(f"demo order {o.order_id}", o) for o in demo_orders()]
    return parsed


async def load_demo(service: CrossfeedService, account: str) -> None:
    """Load the demo slice into `account` unless it already has products."""
    await load_demo_into(service.db, account)


async def load_demo_into(db: Database, account: str) -> importer.ImportReport | None:
    async with db.session(account=account) as session:
        count = select(func.count()).select_from(Product).where(Product.account_id == account)
        if await session.scalar(count):
            return None
    return await importer.write(db, account, demo_records(), strict=True)
