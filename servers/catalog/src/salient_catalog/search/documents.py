"""What the index holds per product and category, the filters a query applies, and what a query returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from salient_catalog.schemas import AttributeValue


@dataclass(frozen=True, slots=True)
class IndexedVariant:
    sku: str
    title: str
    price: Decimal
    compare_at_price: Decimal | None
    currency: str
    stock: int
    attributes: dict[str, AttributeValue]


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """One product as the catalog holds it in memory: what the index needs and what a product view shows."""

    pk: int
    handle: str
    name: str
    brand: str
    category_id: int | None
    description: str
    tags: Sequence[str]
    attributes: dict[str, AttributeValue]
    variants: Sequence[IndexedVariant]
    url: str | None = None
    images: Sequence[str] = ()

    def document(self) -> tuple[Any, ...]:
        """Everything the index reads besides prices and stock: equal documents index the same."""
        variants = tuple((v.sku, v.title, tuple(v.attributes.items())) for v in self.variants)
        return (
            self.handle,
            self.name,
            self.brand,
            self.category_id,
            self.description,
            tuple(self.tags),
            tuple(self.attributes.items()),
            variants,
        )


@dataclass(frozen=True)
class IndexedCategory:
    id: int
    slug: str
    name: str
    parent_id: int | None


@dataclass
class Filters:
    category_ids: set[int] | None = None
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ranked:
    """The outcome of a query: one page of matching positions in rank order, with scores and explanations."""

    page: list[int]
    total: int
    scores: np.ndarray
    matched: dict[int, list[str]]
    interpreted_as: list[str]
    text_matches: int
    mask: np.ndarray
