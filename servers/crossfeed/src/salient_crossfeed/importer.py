"""Writing imported records: every kind, re-runnable without duplicates, all in one transaction.

Each record has a natural key (a product's SKU, a rule's id or its `primary>suggested` pair, an order's id, ...):
a known key with the same content is left alone, a known key with new content is updated, a new key is created.
Orders are the exception: an imported order never changes, so one that comes back with other lines is reported,
and one that comes back unchanged adds nothing to the mining counts. Records that name an unknown product,
competitor or territory are reported with their line and skipped (with `strict`, nothing is written at all).
Territories that contradict each other stop the whole import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salient_core.db import Database
from salient_core.errors import ImportFailed
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from salient_crossfeed import repository as repo
from salient_crossfeed.errors import ConflictingRules
from salient_crossfeed.mining import basket_counts
from salient_crossfeed.models import Claim, Competitor, CrossSellRule, Order, Product, Rep, Territory, UpsellPath
from salient_crossfeed.records import (
    ORDER,
    ClaimRecord,
    CompetitorRecord,
    CrossSellRecord,
    OrderRecord,
    ProductRecord,
    Record,
    RepRecord,
    TerritoryRecord,
    UpsellRecord,
)
from salient_crossfeed.sources import Parsed, parse_file
from salient_crossfeed.territories import Rule, TerritorySpec, contradictions


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    kinds: dict[str, Tally] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.problems)

    def summary(self) -> str:
        parts = [
            f"{k}: {t.created} created, {t.updated} updated, {t.unchanged} unchanged" for k, t in self.kinds.items()
        ]
        return "; ".join(parts or ["nothing to import"]) + f"; {self.failed} failed"


class _Writer:
    def __init__(self, session: AsyncSession, account: str, report: ImportReport) -> None:
        self.session, self.account, self.report = session, account, report
        self.products: dict[str, str] = {}  # lower-cased SKU or product id -> product id

    def resolve(self, ref: str) -> str | None:
        return self.products.get(ref.strip().lower())

    async def load_products(self) -> None:
        for p in await repo.list_products(self.session, self.account):
            self.products[p.sku.lower()] = p.product
            self.products[p.product.lower()] = p.product

    async def upsert(self, model: Any, kind: str, key_column: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        """Create, update or leave alone each row by its key (case-insensitive)."""
        tally = self.report.kinds.setdefault(kind, Tally())
        existing = {
            getattr(r, key_column).lower(): r
            for r in await self.session.scalars(select(model).where(model.account_id == self.account))
        }
        for key, values in rows:
            row = existing.get(key.lower())
            if row is None:
                row = model(account_id=self.account, **{key_column: key}, **values)
                self.session.add(row)
                existing[key.lower()] = row
                tally.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                tally.updated += 1
            else:
                tally.unchanged += 1
        await self.session.flush()

    def refs(self, where: str, **refs: str | None) -> dict[str, str | None] | None:
        """Resolve product references; report the first unknown one."""
        resolved: dict[str, str | None] = {}
        for name, ref in refs.items():
            if ref is None:
                resolved[name] = None
                continue
            found = self.resolve(ref)
            if found is None:
                self.report.problems.append(f"{where}: unknown product or SKU {ref!r} in {name}; import it first")
                return None
            resolved[name] = found
        return resolved

    # -- one method per kind ---------------------------------------------------------------------------------

    async def products_(self, items: list[tuple[str, Record]]) -> None:
        rows = []
        for _, r in items:
            assert isinstance(r, ProductRecord)
            values = {"product": r.product, "name": r.name, "category": r.category, "price": r.price}
            rows.append((r.sku, {**values, "currency": r.currency}))
        await self.upsert(Product, "products", "sku", rows)
        await self.load_products()

    async def cross_sell(self, items: list[tuple[str, Record]]) -> None:
        rows = []
        for where, r in items:
            assert isinstance(r, CrossSellRecord)
            found = self.refs(where, primary=r.primary, suggested=r.suggested)
            if found is None:
                continue
            if found["primary"] == found["suggested"]:
                self.report.problems.append(f"{where}: primary and suggested are the same product")
                continue
            values = {"primary": found["primary"], "suggested": found["suggested"], "relationship": r.relationship}
            values |= {"reason": r.reason, "bundle_discount_pct": r.bundle_discount_pct, "priority": r.priority}
            rows.append((r.natural_key, values))
        await self.upsert(CrossSellRule, "cross_sell", "key", rows)

    async def upsell(self, items: list[tuple[str, Record]]) -> None:
        rows = []
        for where, r in items:
            assert isinstance(r, UpsellRecord)
            found = self.refs(where, base=r.base, premium=r.premium)
            if found is None:
                continue
            if found["base"] == found["premium"]:
                self.report.problems.append(f"{where}: base and premium are the same product")
                continue
            values = {"base": found["base"], "premium": found["premium"], "gains": r.gains}
            rows.append((r.natural_key, {**values, "for_whom": r.for_whom, "priority": r.priority}))
        await self.upsert(UpsellPath, "upsell", "key", rows)

    async def competitors(self, items: list[tuple[str, Record]]) -> None:
        rows = []
        for _, r in items:
            assert isinstance(r, CompetitorRecord)
            rows.append((r.natural_key, {"name": r.name, "website": r.website, "summary": r.summary}))
        await self.upsert(Competitor, "competitors", "key", rows)

    async def claims(self, items: list[tuple[str, Record]]) -> None:
        query = select(Competitor.key).where(Competitor.account_id == self.account)
        known = {k.lower() for k in await self.session.scalars(query)}
        rows = []
        for where, r in items:
            assert isinstance(r, ClaimRecord)
            if r.competitor.lower() not in known:
                self.report.problems.append(f"{where}: unknown competitor {r.competitor!r}; import it first")
                continue
            found = self.refs(where, product=r.product)
            if found is None:
                continue
            values = {"competitor": r.competitor.lower(), "product": found["product"], "topic": r.topic}
            values |= {"their_product": r.their_product, "ours": r.ours, "theirs": r.theirs}
            rows.append((r.natural_key, {**values, "source": r.source, "as_of": r.as_of}))
        await self.upsert(Claim, "claims", "key", rows)

    async def territories(self, items: list[tuple[str, Record]]) -> None:
        incoming = {}
        for _, r in items:
            assert isinstance(r, TerritoryRecord)
            incoming[r.natural_key] = r
        stored = await self.session.scalars(select(Territory).where(Territory.account_id == self.account))
        specs = {t.key.lower(): _spec(t.key, t.priority, t.fallback, t.rules) for t in stored}
        specs |= {k: TerritorySpec(k, r.priority, r.fallback, r.rules) for k, r in incoming.items()}
        clashes = contradictions(list(specs.values()))
        if clashes:
            raise ConflictingRules(
                f"{len(clashes)} contradiction(s) between territory rules; nothing imported.", clashes
            )
        rows = [
            (key, {"name": r.name, "priority": r.priority, "fallback": r.fallback, "rules": _rules_json(r.rules)})
            for key, r in incoming.items()
        ]
        await self.upsert(Territory, "territories", "key", rows)

    async def reps(self, items: list[tuple[str, Record]]) -> None:
        query = select(Territory.key).where(Territory.account_id == self.account)
        known = {k.lower() for k in await self.session.scalars(query)}
        rows = []
        for where, r in items:
            assert isinstance(r, RepRecord)
            unknown = [t for t in r.territories if t.lower() not in known]
            if unknown:
                self.report.problems.append(f"{where}: unknown territory {unknown[0]!r}; import territories first")
                continue
            values = {"name": r.name, "email": r.email.lower(), "role": r.role, "capacity": r.capacity}
            values |= {"territories": [t.lower() for t in r.territories], "time_zone": r.time_zone, "active": r.active}
            rows.append((r.natural_key, values))
        await self.upsert(Rep, "reps", "key", rows)

    async def orders(self, items: list[tuple[str, Record]]) -> None:
        tally = self.report.kinds.setdefault("orders", Tally())
        records = [(w, r) for w, r in items if isinstance(r, OrderRecord)]
        digests = await repo.order_digests(self.session, self.account, [r.order_id for _, r in records])
        fresh, baskets, owned = [], [], Counter[tuple[str, str]]()
        for where, r in records:
            known = digests.get(r.order_id)
            if known is not None:
                if known == r.digest():
                    tally.unchanged += 1
                else:
                    self.report.problems.append(
                        f"{where}: order {r.order_id!r} was imported before with other content; orders cannot change"
                    )
                continue
            unknown = next((line.sku for line in r.lines if self.resolve(line.sku) is None), None)
            if unknown is not None:
                self.report.problems.append(
                    f"{where}: unknown SKU {unknown!r} in order {r.order_id!r}; import it first"
                )
                continue
            lines = [[self.resolve(line.sku), line.sku, line.quantity] for line in r.lines]
            basket = {str(line[0]) for line in lines}
            fresh.append({"account_id": self.account, "order_key": r.order_id, "customer": r.customer})
            fresh[-1] |= {"ordered_on": r.date, "lines": lines, "digest": r.digest()}
            baskets.append(basket)
            owned.update((r.customer, product) for product in basket)
        for start in range(0, len(fresh), repo.BATCH):
            await self.session.execute(insert(Order), fresh[start : start + repo.BATCH])
        await repo.add_counts(self.session, self.account, basket_counts(baskets), owned)
        tally.created += len(fresh)


def _spec(key: str, priority: int, fallback: bool, rules: list[dict[str, Any]]) -> TerritorySpec:
    return TerritorySpec(key.lower(), priority, fallback, [Rule.model_validate(r) for r in rules])


def _rules_json(rules: list[Rule]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", exclude_defaults=True) for r in rules]


def _dedupe(parsed: Parsed, report: ImportReport) -> dict[str, list[tuple[str, Record]]]:
    """Drop a second record with the same key in one file, reporting where the first one was."""
    kept: dict[str, list[tuple[str, Record]]] = {}
    for kind, items in parsed.records.items():
        seen: dict[str, str] = {}
        for where, record in items:
            key = str(getattr(record, "natural_key")).lower()  # noqa: B009 - every Record kind defines it
            if key in seen:
                report.problems.append(f"{where}: duplicate of {seen[key]} ({key!r})")
                continue
            seen[key] = where
            kept.setdefault(kind, []).append((where, record))
    return kept


async def write(db: Database, account: str, parsed: Parsed, *, strict: bool = False) -> ImportReport:
    """Write everything `parsed` holds for `account` in one transaction; see the module docstring."""
    report = ImportReport(problems=list(parsed.problems))
    records = _dedupe(parsed, report)
    async with db.transaction(account=account) as session:
        writer = _Writer(session, account, report)
        await writer.load_products()
        for kind in ORDER:
            if kind in records:
                await getattr(writer, "products_" if kind == "products" else kind)(records[kind])
        if strict and report.problems:
            raise ImportFailed(f"{report.failed} bad record(s); nothing was imported (--strict).", report.problems)
    return report


async def import_file(
    db: Database, account: str, path: Path, *, kind: str | None = None, strict: bool = False
) -> ImportReport:
    return await write(db, account, parse_file(path, kind=kind), strict=strict)
