"""The catalog as tools read it: per account, a search index plus product views, at one catalog revision.

Every process keeps its own snapshot per account and checks the revision in the database at most once per
`revision_ttl` seconds; writes made by this process invalidate at once. Several replicas therefore stay
correct without talking to each other, and a replica sees another's writes within `revision_ttl`.
Product views (the pydantic models tools return) are built from the database on first use and kept in a
bounded LRU, so hot products are answered without touching the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from salient_core.db import Database

from salient_catalog import repository as repo
from salient_catalog.models import Category, Synonym
from salient_catalog.models import Product as ProductRow
from salient_catalog.models import Variant as VariantRow
from salient_catalog.schemas import Money, Product, ProductSummary, VariantOut
from salient_catalog.search import IndexedCategory, IndexedProduct, IndexedVariant, SearchIndex

log = logging.getLogger(__name__)

SUMMARY_FIELDS = tuple(ProductSummary.model_fields)
MAX_APPLIED = 2_000  # changed products applied in place at most (or a tenth of the catalog); more: rebuild


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount.quantize(Decimal("0.01")), currency=currency)


def variant_view(v: VariantRow | IndexedVariant) -> VariantOut:
    return VariantOut(
        sku=v.sku,
        title=v.title,
        price=money(v.price, v.currency),
        compare_at_price=money(v.compare_at_price, v.currency) if v.compare_at_price is not None else None,
        in_stock=v.stock > 0,
        stock=v.stock,
        attributes=dict(v.attributes or {}),
    )


def summary_of(product: Product) -> ProductSummary:
    return ProductSummary.model_construct(**{name: getattr(product, name) for name in SUMMARY_FIELDS})


def _indexed(products: list[tuple[Any, ...]], variants: list[tuple[Any, ...]]) -> list[IndexedProduct]:
    by_product: dict[int, list[IndexedVariant]] = defaultdict(list)
    for product_id, sku, title, price, compare_at_price, currency, stock, attributes in variants:
        by_product[product_id].append(
            IndexedVariant(sku, title, price, compare_at_price, currency, stock, attributes or {})
        )
    return [
        IndexedProduct(
            pk=pk,
            handle=handle,
            name=name,
            brand=brand,
            category_id=category_id,
            description=description,
            tags=tuple(tags or ()),
            attributes=attributes or {},
            variants=tuple(by_product.get(pk, ())),
            url=url,
            images=tuple(images or ()),
        )
        for pk, handle, name, brand, category_id, description, tags, attributes, url, images in products
    ]


def _indexed_row(p: ProductRow) -> IndexedProduct:
    """A product loaded through the ORM, in the index's shape (for products newer than the snapshot)."""
    variants = [
        (p.id, v.sku, v.title, v.price, v.compare_at_price, v.currency, v.stock, v.attributes) for v in p.variants
    ]
    row = (p.id, p.handle, p.name, p.brand, p.category_id, p.description, p.tags, p.attributes, p.url, p.images)
    return _indexed([row], variants)[0]


class Snapshot:
    """One account's catalog at one revision: the search index (which holds every product) and a cache of views."""

    def __init__(self, db: Database, account: str, revision: int, index: SearchIndex, *, cache_size: int) -> None:
        self.db = db
        self.account = account
        self.revision = revision
        self.index = index
        self._views: OrderedDict[int, Product] = OrderedDict()
        self._cache_size = cache_size

    def view(self, p: IndexedProduct) -> Product:
        index = self.index
        prices = [v.price for v in p.variants] or [Decimal(0)]
        currency = p.variants[0].currency if p.variants else "USD"
        category = index.categories.get(p.category_id) if p.category_id is not None else None
        path = [index.categories[c].name for c in reversed(index.ancestors[category.id])] if category else []
        return Product(
            id=p.handle,
            name=p.name,
            brand=p.brand,
            category=category.slug if category else None,
            price_from=money(min(prices), currency),
            price_to=money(max(prices), currency),
            on_sale=any(v.compare_at_price is not None and v.compare_at_price > v.price for v in p.variants),
            in_stock=any(v.stock > 0 for v in p.variants),
            url=p.url,
            description=p.description,
            category_path=path,
            tags=list(p.tags),
            images=list(p.images),
            attributes=dict(p.attributes),
            variants=[variant_view(v) for v in p.variants],
        )

    def forget(self, pks: Iterable[int]) -> None:
        """Drop cached views of products that changed."""
        for pk in pks:
            self._views.pop(pk, None)

    async def products(self, pks: Iterable[int]) -> dict[int, Product]:
        """Views of the given products, from memory; ones added since this snapshot was built are read from the
        database, and ones deleted since are left out."""
        wanted = list(dict.fromkeys(pks))
        found: dict[int, Product] = {}
        missing: list[int] = []
        index = self.index
        for pk in wanted:
            cached = self._views.get(pk)
            if cached is not None:
                self._views.move_to_end(pk)
                found[pk] = cached
            elif pk in index.position:
                found[pk] = self._views[pk] = self.view(index.products[index.position[pk]])
            else:
                missing.append(pk)
        if missing:
            async with self.db.session(account=self.account) as session:
                rows = await repo.get_products_by_ids(session, self.account, missing)
            for pk, row in rows.items():
                found[pk] = self._views[pk] = self.view(_indexed_row(row))
        while len(self._views) > self._cache_size:
            self._views.popitem(last=False)
        return found


class ReadModel:
    """Snapshots per account, brought up to date when the account's catalog revision moves on.

    A moved revision is caught up in place: the products changed since the snapshot's revision are read and
    applied to its index (a stock change patches one product). The snapshot is rebuilt instead, off the event
    loop, when categories or synonyms changed, when the change is large, or when the index holds too many
    retired positions.
    """

    def __init__(self, db: Database, *, revision_ttl: float = 1.0, cache_size: int = 5_000) -> None:
        self.db = db
        self.revision_ttl = revision_ttl
        self.cache_size = cache_size
        self._snapshots: dict[str, Snapshot] = {}
        self._checked: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def stale(self, account: str) -> None:
        """Check the account's revision on the next read; call after this process changed the account's catalog."""
        self._checked.pop(account, None)

    def invalidate(self, account: str) -> None:
        """Forget the account's snapshot: the next read rebuilds it."""
        self._snapshots.pop(account, None)
        self._checked.pop(account, None)

    async def get(self, account: str) -> Snapshot:
        current = self._snapshots.get(account)
        now = time.monotonic()
        if current is not None and now - self._checked.get(account, 0.0) < self.revision_ttl:
            return current
        async with self.db.session(account=account) as session:
            revision = await repo.get_revision(session, account)
        if current is not None and current.revision == revision:
            self._checked[account] = now
            return current
        async with self._locks.setdefault(account, asyncio.Lock()):
            current = self._snapshots.get(account)
            if current is not None and current.revision >= revision:
                return current
            snapshot = await self._catch_up(current) if current is not None else None
            if snapshot is None:
                snapshot = await self._build(account)
            self._snapshots[account] = snapshot
            self._checked[account] = time.monotonic()
            return snapshot

    async def _catch_up(self, snapshot: Snapshot) -> Snapshot | None:
        """Apply the products changed since the snapshot's revision to it; None when a rebuild is due instead."""
        started = time.perf_counter()
        account, index = snapshot.account, snapshot.index
        async with self.db.session(account=account) as session:
            revision = await repo.get_revision(session, account)
            categories = await repo.list_categories(session, account)
            synonyms = await repo.list_synonyms(session, account)
            if _categories(categories) != list(index.categories.values()) or _synonyms(synonyms) != index.synonym_map:
                return None
            count = await repo.count_products(session, account)
            products, variants = await repo.list_index_rows(session, account, since=snapshot.revision)
        if len(products) > max(MAX_APPLIED, index.size // 10):
            return None
        changed = _indexed(products, variants)
        index.apply(changed)
        if index.size != count or index.retired > index.slots // 4:
            return None
        snapshot.forget(p.pk for p in changed)
        snapshot.revision = revision
        log.info(
            "caught up catalog snapshot for %r to revision %d: %d product(s) in %.3fs",
            account,
            revision,
            len(changed),
            time.perf_counter() - started,
        )
        return snapshot

    async def _build(self, account: str) -> Snapshot:
        started = time.perf_counter()
        async with self.db.session(account=account) as session:
            revision = await repo.get_revision(session, account)
            products, variants = await repo.list_index_rows(session, account)
            categories = await repo.list_categories(session, account)
            synonyms = await repo.list_synonyms(session, account)

        def build() -> SearchIndex:
            index = SearchIndex(_indexed(products, variants), _categories(categories), _synonyms(synonyms))
            index.prepare()
            return index

        snapshot = Snapshot(self.db, account, revision, await asyncio.to_thread(build), cache_size=self.cache_size)
        log.info(
            "built catalog snapshot for %r at revision %d: %d products in %.2fs",
            account,
            revision,
            len(products),
            time.perf_counter() - started,
        )
        return snapshot


def _categories(rows: Iterable[Category]) -> list[IndexedCategory]:
    return [IndexedCategory(c.id, c.slug, c.name, c.parent_id) for c in rows]


def _synonyms(rows: Iterable[Synonym]) -> dict[str, str]:
    return {s.term.lower(): s.expansion for s in rows}
