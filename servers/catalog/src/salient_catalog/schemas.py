"""What the catalog's tools return: pydantic models, so clients get output schemas and structured content."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from salient_core.pagination import Page

AttributeValue = str | int | float | bool
Sort = Literal["relevance", "price_asc", "price_desc", "name", "newest"]
Detail = Literal["summary", "full"]


class Money(BaseModel):
    amount: Decimal = Field(description="Decimal amount, e.g. 549.00.")
    currency: str = Field(description="ISO 4217 code, e.g. USD.")


class VariantOut(BaseModel):
    sku: str
    title: str
    price: Money
    compare_at_price: Money | None = None
    in_stock: bool
    stock: int
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


class ProductSummary(BaseModel):
    id: str = Field(description="Product id (its handle); also accepted: any of its SKUs.")
    name: str
    brand: str
    category: str | None = Field(default=None, description="Category slug.")
    price_from: Money
    price_to: Money
    on_sale: bool = Field(description="True when a variant's compare-at price is above its price.")
    in_stock: bool
    url: str | None = None


class Product(ProductSummary):
    description: str
    category_path: list[str] = Field(default_factory=list, description="Category names from the root.")
    tags: list[str] = Field(default_factory=list)
    images: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    variants: list[VariantOut]


class SearchHit(BaseModel):
    score: float = Field(description="Relevance; higher is better. 0 when browsing without a query.")
    matched_terms: list[str] = Field(default_factory=list, description="Catalog words the query matched.")
    product: Product | ProductSummary


class FacetValue(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    categories: list[FacetValue] = Field(default_factory=list)
    brands: list[FacetValue] = Field(default_factory=list)
    price_ranges: list[FacetValue] = Field(default_factory=list)
    in_stock: list[FacetValue] = Field(default_factory=list)
    attributes: dict[str, list[FacetValue]] = Field(
        default_factory=dict, description="Attribute values, given when the hits share a category."
    )


class CategorySuggestion(BaseModel):
    slug: str
    name: str
    product_count: int


class SearchResult(BaseModel):
    hits: list[SearchHit]
    total: int = Field(description="Number of matching products across all pages.")
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page; null on the last.")
    facets: Facets
    interpreted_as: list[str] = Field(
        default_factory=list, description="How the query was read: synonyms applied and typos corrected."
    )
    message: str | None = Field(default=None, description="Set when nothing matched: why, and what to try.")
    suggestions: list[CategorySuggestion] = Field(
        default_factory=list, description="Closest categories when nothing matched."
    )


class LookupResult(BaseModel):
    products: list[Product]
    missing: list[str] = Field(default_factory=list, description="Ids or SKUs with no product.")


class ComparisonRow(BaseModel):
    attribute: str
    values: list[AttributeValue | None] = Field(description="One value per product, in the order of `products`.")
    differs: bool


class Comparison(BaseModel):
    products: list[ProductSummary]
    rows: list[ComparisonRow]
    differing: list[str] = Field(description="Attributes whose values differ between the products.")


class Availability(BaseModel):
    sku: str
    product_id: str
    product_name: str
    variant_title: str
    requested: int
    stock: int
    available: bool
    message: str
    alternatives: list[VariantOut] = Field(
        default_factory=list, description="Other variants of the product with enough stock."
    )


class CategoryOut(BaseModel):
    slug: str
    name: str
    parent: str | None
    depth: int
    product_count: int = Field(description="Products in this category and its subcategories.")
    description: str = ""


CategoryPage = Page[CategoryOut]


class StockChange(BaseModel):
    sku: str
    stock_before: int
    stock_after: int
    applied: bool = Field(description="False for a dry run or a replayed idempotency key.")
    replayed: bool = Field(
        default=False, description="True when this key was already used: the first result is returned."
    )
