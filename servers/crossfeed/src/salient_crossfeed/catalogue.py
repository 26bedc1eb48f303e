"""The account's products as crossfeed knows them: resolving ids and SKUs, and describing products."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from salient_crossfeed import repository as repo
from salient_crossfeed.errors import UnknownProduct
from salient_crossfeed.models import Product
from salient_crossfeed.schemas import Money, ProductOut


@dataclass
class Products:
    by_ref: dict[str, str] = field(default_factory=dict)  # lower-cased SKU or id -> product id
    skus: dict[str, list[Product]] = field(default_factory=dict)  # product id -> its SKUs, cheapest first

    @classmethod
    async def load(cls, session: AsyncSession, account: str) -> Products:
        products = cls()
        for p in await repo.list_products(session, account):
            products.by_ref[p.sku.lower()] = p.product
            products.by_ref[p.product.lower()] = p.product
            products.skus.setdefault(p.product, []).append(p)
        return products

    def resolve(self, ref: str) -> str:
        """The product id of a product id or SKU; never a guess."""
        found = self.by_ref.get(ref.strip().lower())
        if found is None:
            raise UnknownProduct(ref)
        return found

    def resolve_all(self, refs: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(self.resolve(ref) for ref in refs))

    def price(self, ref: str) -> Money:
        """A SKU's own price, or a product's lowest."""
        for p in self.skus.get(self.resolve(ref), []):
            if p.sku.lower() == ref.strip().lower():
                return Money(amount=p.price, currency=p.currency)
        return self.out(self.resolve(ref)).price_from

    def name(self, product: str) -> str:
        skus = self.skus.get(product)
        return skus[0].name if skus else product

    def out(self, product: str) -> ProductOut:
        skus = self.skus[product]
        cheapest = min(skus, key=lambda p: (p.price, p.sku))
        return ProductOut(
            id=product,
            name=cheapest.name,
            category=cheapest.category,
            price_from=Money(amount=cheapest.price, currency=cheapest.currency),
            skus=[p.sku for p in skus],
        )


def difference(premium: Money, base: Money) -> Money:
    return Money(amount=Decimal(premium.amount) - Decimal(base.amount), currency=premium.currency)


class ProductCache:
    """Each account's product list, reloaded at most once per `ttl` seconds.

    Every recommendation needs the whole list (to resolve refs and describe suggestions); loading it per call
    cost more than the recommendation itself. Products change only by import, usually from another process
    (the CLI), so a short time-to-live bounds how stale a replica can be without any signalling.
    """

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Products]] = {}

    async def get(self, session: AsyncSession, account: str) -> Products:
        now = time.monotonic()
        entry = self._entries.get(account)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        products = await Products.load(session, account)
        self._entries[account] = (now, products)
        return products
