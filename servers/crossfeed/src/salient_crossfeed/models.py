"""Crossfeed tables. Every row carries `account_id`; every query filters on it.

Curated knowledge (products, cross-sell rules, up-sell paths, competitors and their claims, territories, reps) is
keyed by a natural key per account, so re-importing a file updates rows instead of duplicating them. Mined
knowledge is kept as counts (orders per product, per pair of products, per customer and product), which new
orders only ever add to: association rules are computed from the counts when asked.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from salient_core.accounts import AccountOwned
from salient_core.db import UTCDateTime, new_metadata, utcnow
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Product(AccountOwned, Base):
    """One sellable SKU as crossfeed knows it; `product` groups the SKUs of one catalog product (its handle)."""

    __tablename__ = "cf_products"
    __table_args__ = (UniqueConstraint("account_id", "sku"), Index("ix_cf_products_product", "account_id", "product"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(120))
    product: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(120), default="")
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))


class CrossSellRule(AccountOwned, Base):
    __tablename__ = "cf_cross_sell_rules"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    primary: Mapped[str] = mapped_column(String(200))
    suggested: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    bundle_discount_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    priority: Mapped[int] = mapped_column(Integer, default=50)


class UpsellPath(AccountOwned, Base):
    __tablename__ = "cf_upsell_paths"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    base: Mapped[str] = mapped_column(String(200))
    premium: Mapped[str] = mapped_column(String(200))
    gains: Mapped[list[str]] = mapped_column(JSON, default=list)
    for_whom: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=50)


class Competitor(AccountOwned, Base):
    __tablename__ = "cf_competitors"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")


class Claim(AccountOwned, Base):
    """One battlecard line: our product (or all of ours) against a competitor's, with a source and a date."""

    __tablename__ = "cf_claims"
    __table_args__ = (
        UniqueConstraint("account_id", "key"),
        Index("ix_cf_claims_competitor", "account_id", "competitor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    competitor: Mapped[str] = mapped_column(String(120))
    product: Mapped[str | None] = mapped_column(String(200))
    their_product: Mapped[str] = mapped_column(String(300), default="")
    topic: Mapped[str] = mapped_column(String(120))
    ours: Mapped[str] = mapped_column(Text)
    theirs: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(1000))
    as_of: Mapped[date] = mapped_column(Date)


class Territory(AccountOwned, Base):
    __tablename__ = "cf_territories"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=50)
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Rep(AccountOwned, Base):
    __tablename__ = "cf_reps"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(10))
    territories: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=100)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned: Mapped[int] = mapped_column(Integer, default=0)


class RepCursor(AccountOwned, Base):
    """Round-robin position per territory and role; advanced by one atomic statement per assignment."""

    __tablename__ = "cf_rep_cursors"
    __table_args__ = (PrimaryKeyConstraint("account_id", "territory", "role"),)

    territory: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Assignment(AccountOwned, Base):
    """One rep handed out by find_rep; its idempotency key makes a retried call return the same rep."""

    __tablename__ = "cf_assignments"
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    rep: Mapped[str] = mapped_column(String(120))
    territory: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    strategy: Mapped[str] = mapped_column(String(20))
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Order(AccountOwned, Base):
    """An imported order, kept so that importing it again is recognised and changes nothing."""

    __tablename__ = "cf_orders"
    __table_args__ = (UniqueConstraint("account_id", "order_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_key: Mapped[str] = mapped_column(String(120))
    customer: Mapped[str] = mapped_column(String(200))
    ordered_on: Mapped[date] = mapped_column(Date)
    lines: Mapped[list[list[Any]]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))


class ItemCount(AccountOwned, Base):
    """How many orders hold `product`; the denominator of confidence."""

    __tablename__ = "cf_item_counts"
    __table_args__ = (PrimaryKeyConstraint("account_id", "product"),)

    product: Mapped[str] = mapped_column(String(200))
    orders: Mapped[int] = mapped_column(Integer, default=0)


class PairCount(AccountOwned, Base):
    """How many orders hold both `a` and `b` (stored once, with `a < b`)."""

    __tablename__ = "cf_pair_counts"
    __table_args__ = (PrimaryKeyConstraint("account_id", "a", "b"), Index("ix_cf_pair_counts_b", "account_id", "b"))

    a: Mapped[str] = mapped_column(String(200))
    b: Mapped[str] = mapped_column(String(200))
    orders: Mapped[int] = mapped_column(Integer, default=0)


class CustomerProduct(AccountOwned, Base):
    """What a customer already owns, for `exclude_owned` and for recommending from a customer id."""

    __tablename__ = "cf_customer_products"
    __table_args__ = (PrimaryKeyConstraint("account_id", "customer", "product"),)

    customer: Mapped[str] = mapped_column(String(200))
    product: Mapped[str] = mapped_column(String(200))
    orders: Mapped[int] = mapped_column(Integer, default=0)


class OrderTotal(AccountOwned, Base):
    """How many orders the account has imported: the denominator of support."""

    __tablename__ = "cf_order_totals"
    __table_args__ = (PrimaryKeyConstraint("account_id"),)

    orders: Mapped[int] = mapped_column(Integer, default=0)
