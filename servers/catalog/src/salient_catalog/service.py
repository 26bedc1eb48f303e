"""The catalog's operations, below the MCP layer: each takes the caller's account first."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process
from salient_core.db import Database
from salient_core.errors import Conflict, InvalidInput, NotFound, key_reused
from salient_core.pagination import PageRequest
from sqlalchemy.exc import IntegrityError

from salient_catalog import repository as repo
from salient_catalog.errors import UnknownProduct
from salient_catalog.models import StockAdjustment
from salient_catalog.readmodel import ReadModel, summary_of, variant_view
from salient_catalog.schemas import (
    AttributeValue,
    Availability,
    CategoryOut,
    CategoryPage,
    CategorySuggestion,
    Comparison,
    ComparisonRow,
    Detail,
    Facets,
    FacetValue,
    LookupResult,
    Product,
    SearchHit,
    SearchResult,
    Sort,
    StockChange,
)
from salient_catalog.search import Filters, SearchIndex, facets, normalize_value, ranking
from salient_catalog.search.filters import filter_mask

log = logging.getLogger(__name__)

PRICE_BUCKETS = [(0, 50), (50, 100), (100, 250), (250, 500), (500, 1000), (1000, 2500), (2500, None)]


class CatalogService:
    def __init__(self, db: Database, *, revision_ttl: float = 1.0) -> None:
        self.db = db
        self.read = ReadModel(db, revision_ttl=revision_ttl)

    # -- search ------------------------------------------------------------------------------------------

    async def search(
        self,
        account: str,
        *,
        query: str,
        category: str | None,
        price_min: float | None,
        price_max: float | None,
        in_stock: bool | None,
        attributes: dict[str, Any],
        sort: Sort,
        limit: int,
        cursor: str | None,
        detail: Detail,
    ) -> SearchResult:
        if price_min is not None and price_max is not None and price_min > price_max:
            raise InvalidInput(f"price_min {price_min} is above price_max {price_max}.", hint="Swap them or drop one.")
        at = PageRequest.from_cursor(
            cursor,
            account=account,
            query=["search", query, category, price_min, price_max, in_stock, attributes, sort],
            limit=limit,
        )
        snapshot = await self.read.get(account)
        index = snapshot.index
        filters = Filters(price_min=price_min, price_max=price_max, in_stock=in_stock)
        if category is not None:
            filters.category_ids = index.descendants(self._category_id(index, category))
        filters.attributes = self._check_attributes(index, attributes)
        ranked = ranking.search(index, query, filters, sort, offset=at.offset, limit=limit)
        total = ranked.total
        page = ranked.page
        views = await snapshot.products(index.products[i].pk for i in page)
        hits = []
        for i in page:
            view = views.get(index.products[i].pk)
            if view is None:  # removed since the snapshot was built; the next revision check rebuilds it
                continue
            product = view if detail == "full" else summary_of(view)
            score = round(float(ranked.scores[i]), 4)
            hits.append(SearchHit(score=score, matched_terms=ranked.matched.get(i, []), product=product))
        result = SearchResult(
            hits=hits,
            total=total,
            next_cursor=at.next_cursor(total),
            facets=self._facets(index, ranked.mask, narrow=category is not None),
            interpreted_as=ranked.interpreted_as,
        )
        if total == 0:
            result.message, result.suggestions = self._explain_empty(index, query, filters, ranked.text_matches)
        return result

    def _category_id(self, index: SearchIndex, slug: str) -> int:
        for c in index.categories.values():
            if c.slug.lower() == slug.lower():
                return c.id
        close = process.extract(slug, {c.id: c.slug for c in index.categories.values()}, limit=3)
        hint = ", ".join(repr(name) for name, score, _ in close if score > 50) or "see list_categories"
        raise InvalidInput(f"Unknown category {slug!r}.", hint=f"Closest: {hint}. Pass a slug from list_categories.")

    def _check_attributes(self, index: SearchIndex, attributes: dict[str, Any]) -> dict[str, Any]:
        for key, wanted in attributes.items():
            if key not in index.attribute_types:
                close = [m for m, s, _ in process.extract(key, list(index.attribute_types), limit=3) if s > 60]
                hint = f"Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise InvalidInput(
                    f"Unknown attribute {key!r}.",
                    hint=f"{hint} Attribute names are listed in the facets of a search or in catalog://facets.".strip(),
                )
            if isinstance(wanted, dict):
                if set(wanted) - {"min", "max"} or not wanted:
                    raise InvalidInput(
                        f"Attribute filter {key!r} must be a value, a list of values, or {{'min': x, 'max': y}}."
                    )
                if index.attribute_types[key] != "number":
                    raise InvalidInput(f"Attribute {key!r} is not numeric; filter it by value instead of a range.")
                bounds = [b for b in (wanted.get("min"), wanted.get("max")) if b is not None]
                if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds):
                    raise InvalidInput(f"Range bounds for {key!r} must be numbers, got {wanted!r}.")
                if len(bounds) == 2 and bounds[0] > bounds[1]:
                    raise InvalidInput(f"Range for {key!r} has min above max: {wanted!r}.")
        return attributes

    def _facets(self, index: SearchIndex, mask: Any, *, narrow: bool) -> Facets:
        categories = facets.category_counts(index, mask)
        facet_categories = [
            FacetValue(value=index.categories[cid].slug, count=n)
            for cid, n in sorted(categories.items(), key=lambda kv: (-kv[1], index.categories[kv[0]].slug))
        ]
        prices = index.price_min[mask]
        buckets = []
        for lo, hi in PRICE_BUCKETS:
            n = int(((prices >= lo) & (prices < (hi if hi is not None else float("inf")))).sum())
            if n:
                buckets.append(FacetValue(value=f"{lo}-{hi}" if hi is not None else f"{lo}+", count=n))
        stock = index.in_stock[mask]
        attributes = {}
        if narrow or facets.distinct_categories(index, mask) == 1:
            attributes = {
                key: [FacetValue(value=v, count=c) for v, c in values]
                for key, values in facets.attribute_facets(index, mask).items()
            }
        return Facets(
            categories=facet_categories[:20],
            brands=[
                FacetValue(value=b, count=c) for b, c in sorted(facets.brand_counts(index, mask), key=lambda x: -x[1])
            ][:20],
            price_ranges=buckets,
            in_stock=[
                FacetValue(value=v, count=c)
                for v, c in (("true", int(stock.sum())), ("false", int((~stock).sum())))
                if c
            ],
            attributes=attributes,
        )

    def _explain_empty(
        self, index: SearchIndex, query: str, filters: Filters, text_matches: int
    ) -> tuple[str, list[CategorySuggestion]]:
        counts = facets.category_counts(index, filter_mask(index, Filters()))
        choices = {c.id: f"{c.name} {c.slug.replace('-', ' ')}" for c in index.categories.values()}
        found = process.extract(query or "", choices, scorer=fuzz.WRatio, limit=3) if query.strip() else []
        suggestions = [
            CategorySuggestion(
                slug=index.categories[cid].slug, name=index.categories[cid].name, product_count=counts[cid]
            )
            for _, score, cid in found
            if score >= 50
        ]
        if not suggestions:
            top = sorted(counts.items(), key=lambda kv: -kv[1])
            roots = [(cid, n) for cid, n in top if index.categories[cid].parent_id is None][:5]
            suggestions = [
                CategorySuggestion(slug=index.categories[c].slug, name=index.categories[c].name, product_count=n)
                for c, n in roots
            ]
        if index.size == 0:
            return "This catalog has no products yet.", []
        if query.strip() and text_matches and text_matches != index.size:
            message = (
                f"{text_matches} product(s) match {query!r}, but none pass the filters. "
                "Loosen the filters (price, stock, attributes, category) to see them."
            )
        elif query.strip():
            message = (
                f"No product matches {query!r}. This does not mean the store never carries it: try other words, "
                "or browse one of the suggested categories."
            )
        else:
            message = "No product passes these filters. Loosen them, or browse one of the suggested categories."
        return message, suggestions

    # -- single products ---------------------------------------------------------------------------------

    async def get_product(self, account: str, ref: str) -> Product:
        found = await self.lookup(account, [ref])
        if not found.products:
            raise UnknownProduct(ref)
        return found.products[0]

    async def lookup(self, account: str, refs: Sequence[str]) -> LookupResult:
        snapshot = await self.read.get(account)
        index = snapshot.index
        resolved: dict[str, int | None] = {}
        for ref in refs:
            position = index.by_ref.get(ref.lower())
            resolved[ref] = index.products[position].pk if position is not None else None
        unknown = [ref for ref, pk in resolved.items() if pk is None]
        if unknown:  # perhaps added since the snapshot was built
            async with self.db.session(account=account) as session:
                resolved.update(await repo.find_product_ids(session, account, unknown))
        views = await snapshot.products(pk for pk in resolved.values() if pk is not None)
        products, missing = [], []
        for ref in refs:
            pk = resolved.get(ref)
            if pk is None or pk not in views:
                missing.append(ref)
            else:
                products.append(views[pk])
        return LookupResult(products=products, missing=missing)

    async def compare(self, account: str, refs: Sequence[str], attributes: Sequence[str] | None) -> Comparison:
        if len({r.lower() for r in refs}) != len(refs):
            raise InvalidInput("The same product is listed twice.", hint="Pass 2 to 5 different products.")
        found = await self.lookup(account, refs)
        if found.missing:
            raise UnknownProduct(found.missing[0])
        products = found.products
        keys: list[str] = []
        for p in products:
            for key in list(p.attributes) + [k for v in p.variants for k in v.attributes]:
                if key not in keys:
                    keys.append(key)
        if attributes:
            unknown = [a for a in attributes if a not in keys and a not in ("price", "brand", "in_stock", "category")]
            if unknown:
                raise InvalidInput(
                    f"None of these products has attribute(s) {unknown}.",
                    hint=f"Known here: {', '.join(keys)}.",
                )
            keys = [k for k in attributes if k in keys]
        rows = [
            self._row("brand", [p.brand for p in products]),
            self._row("category", [p.category for p in products]),
            self._row("price", [f"{p.price_from.amount} {p.price_from.currency}" for p in products]),
            self._row("in_stock", [p.in_stock for p in products]),
        ]
        if attributes:
            rows = [r for r in rows if r.attribute in attributes]
        for key in keys:
            rows.append(self._row(key, [self._attribute_of(p, key) for p in products]))
        summaries = [summary_of(p) for p in products]
        return Comparison(products=summaries, rows=rows, differing=[r.attribute for r in rows if r.differs])

    @staticmethod
    def _attribute_of(p: Product, key: str) -> AttributeValue | None:
        if key in p.attributes:
            return p.attributes[key]
        values = [v.attributes[key] for v in p.variants if key in v.attributes]
        if not values:
            return None
        distinct = list(dict.fromkeys(normalize_value(v) for v in values))
        return values[0] if len(distinct) == 1 else " / ".join(str(v) for v in dict.fromkeys(values))

    @staticmethod
    def _row(attribute: str, values: list[Any]) -> ComparisonRow:
        distinct = {normalize_value(v) if v is not None else None for v in values}
        return ComparisonRow(attribute=attribute, values=values, differs=len(distinct) > 1)

    async def check_availability(self, account: str, sku: str, quantity: int) -> Availability:
        async with self.db.session(account=account) as session:
            variant = await repo.get_variant_by_sku(session, account, sku)
        if variant is None:
            raise NotFound(
                f"No SKU {sku!r} in this catalog.",
                hint="Call get_product or search_products to find valid SKUs.",
            )
        product = variant.product
        available = variant.stock >= quantity
        alternatives = [variant_view(v) for v in product.variants if v.id != variant.id and v.stock >= quantity]
        if available:
            message = f"{quantity} x {variant.sku} available ({variant.stock} in stock)."
        elif variant.stock > 0:
            message = f"Only {variant.stock} of {variant.sku} in stock; {quantity} requested."
        else:
            message = f"{variant.sku} is out of stock."
        if not available and alternatives:
            message += f" Other variants with enough stock: {', '.join(a.sku for a in alternatives)}."
        return Availability(
            sku=variant.sku,
            product_id=product.handle,
            product_name=product.name,
            variant_title=variant.title,
            requested=quantity,
            stock=variant.stock,
            available=available,
            message=message,
            alternatives=alternatives,
        )

    # -- categories --------------------------------------------------------------------------------------

    async def list_categories(
        self, account: str, *, parent: str | None, limit: int, cursor: str | None
    ) -> CategoryPage:
        at = PageRequest.from_cursor(cursor, account=account, query=["categories", parent], limit=limit)
        index = (await self.read.get(account)).index
        counts = facets.category_counts(index, filter_mask(index, Filters()))
        cats = list(index.categories.values())
        if parent is not None:
            parent_id = self._category_id(index, parent)
            cats = [index.categories[c] for c in sorted(index.descendants(parent_id) - {parent_id})]
        ordered = sorted(cats, key=lambda c: [index.categories[a].name for a in reversed(index.ancestors[c.id])])
        items = [
            CategoryOut(
                slug=c.slug,
                name=c.name,
                parent=index.categories[c.parent_id].slug if c.parent_id in index.categories else None,
                depth=len(index.ancestors[c.id]) - 1,
                product_count=counts.get(c.id, 0),
            )
            for c in ordered
        ]
        return CategoryPage(
            items=items[at.offset : at.offset + limit],
            total=len(items),
            next_cursor=at.next_cursor(len(items)),
        )

    async def overview_facets(self, account: str) -> Facets:
        index = (await self.read.get(account)).index
        return self._facets(index, filter_mask(index, Filters()), narrow=False)

    async def attribute_catalog(self, account: str) -> dict[str, str]:
        index = (await self.read.get(account)).index
        return dict(sorted(index.attribute_types.items()))

    # -- writes ------------------------------------------------------------------------------------------

    async def adjust_stock(
        self, account: str, *, sku: str, delta: int, reason: str, idempotency_key: str, dry_run: bool
    ) -> StockChange:
        async with self.db.transaction(account=account) as session:
            previous = await repo.get_adjustment(session, account, idempotency_key)
            if previous is not None:
                if previous.sku.lower() != sku.lower() or previous.delta != delta:
                    raise key_reused(
                        idempotency_key, f"for {previous.delta:+d} on {previous.sku!r}", request="adjustment"
                    )
                return StockChange(
                    sku=previous.sku,
                    stock_before=previous.stock_before,
                    stock_after=previous.stock_after,
                    applied=False,
                    replayed=True,
                )
            variant = await repo.get_variant_by_sku(session, account, sku, lock=True)
            if variant is None:
                raise NotFound(f"No SKU {sku!r} in this catalog.", hint="Call get_product to find valid SKUs.")
            after = variant.stock + delta
            if after < 0:
                raise InvalidInput(
                    f"Stock of {variant.sku!r} is {variant.stock}; removing {-delta} would make it negative."
                )
            change = StockChange(sku=variant.sku, stock_before=variant.stock, stock_after=after, applied=not dry_run)
            if dry_run:
                return change
            variant.stock = after
            session.add(
                StockAdjustment(
                    account_id=account,
                    idempotency_key=idempotency_key,
                    sku=variant.sku,
                    delta=delta,
                    stock_before=change.stock_before,
                    stock_after=after,
                    reason=reason,
                )
            )
            try:
                await session.flush()
            except IntegrityError as exc:  # a concurrent retry with the same key won the race
                raise Conflict(
                    f"Idempotency key {idempotency_key!r} is being used by a concurrent call.",
                    hint="Retry this call; it will return the first result.",
                ) from exc
            await repo.bump_revision(session, account, [variant.product_id])
        self.read.stale(account)
        return change
