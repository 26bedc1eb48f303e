"""The records an import file holds, one pydantic model per kind, validated at the edge.

CSV cells are text: list fields take `|`-separated values, and an empty cell means "not given". JSON and YAML give
the same fields natively. Product references (`primary`, `base`, `product`, ...) accept a product id or a SKU and
are resolved against the account's products when written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from salient_core.times import TimeZoneName

from salient_crossfeed.territories import Rule

Role = Literal["AE", "SE", "CSM", "SDR"]
ROLES: tuple[str, ...] = ("AE", "SE", "CSM", "SDR")
Relationship = Literal["accessory", "consumable", "complement", "replacement", "protection", "service"]
Key = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
Ref = Field(min_length=1, max_length=200)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _split(value: Any) -> Any:
    """`a|b|c` from a CSV cell into a list; lists from JSON/YAML pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return [] if value is None else value


class ProductRecord(Record):
    sku: str = Field(min_length=1, max_length=120)
    product: str = Field(min_length=1, max_length=200, description="The catalog product id (handle).")
    name: str = Field(min_length=1, max_length=300)
    category: str = Field("", max_length=120)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")

    @property
    def natural_key(self) -> str:
        return self.sku.lower()


class CrossSellRecord(Record):
    id: str | None = Key
    primary: str = Ref
    suggested: str = Ref
    relationship: Relationship = "accessory"
    reason: str = Field(min_length=1, max_length=1000)
    bundle_discount_pct: Decimal = Field(Decimal(0), ge=0, le=100, decimal_places=2)
    priority: int = Field(50, ge=0, le=1000)

    @property
    def natural_key(self) -> str:
        return self.id or f"{self.primary}>{self.suggested}".lower()


class UpsellRecord(Record):
    id: str | None = Key
    base: str = Ref
    premium: str = Ref
    gains: list[str] = Field(min_length=1, max_length=20)
    for_whom: str = Field("", max_length=1000)
    priority: int = Field(50, ge=0, le=1000)

    @field_validator("gains", mode="before")
    @classmethod
    def _gains_list(cls, value: Any) -> Any:
        return _split(value)

    @property
    def natural_key(self) -> str:
        return self.id or f"{self.base}>{self.premium}".lower()


class CompetitorRecord(Record):
    id: str = Key
    name: str = Field(min_length=1, max_length=200)
    website: str | None = Field(None, max_length=500)
    summary: str = Field("", max_length=2000)

    @property
    def natural_key(self) -> str:
        return self.id.lower()


class ClaimRecord(Record):
    competitor: str = Key
    topic: str = Field(min_length=1, max_length=120)
    ours: str = Field(min_length=1, max_length=2000)
    theirs: str = Field(min_length=1, max_length=2000)
    source: str = Field(min_length=1, max_length=1000, description="Where the claim about them can be checked.")
    as_of: date = Field(description="When the claim was last verified (YYYY-MM-DD).")
    product: str | None = Field(None, max_length=200, description="Our product; empty for all of ours.")
    their_product: str = Field("", max_length=300)

    @property
    def natural_key(self) -> str:
        return f"{self.competitor}|{self.product or '*'}|{self.topic}".lower()


class TerritoryRecord(Record):
    id: str = Key
    name: str = Field(min_length=1, max_length=200)
    priority: int = Field(50, ge=0, le=1000, description="Lower wins when several territories match.")
    fallback: bool = False
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fallback_has_no_rules(self) -> TerritoryRecord:
        if self.fallback and self.rules:
            raise ValueError("a fallback territory takes whoever no rule matched; give it no rules")
        if not self.fallback and not self.rules:
            raise ValueError("a territory needs at least one rule (or fallback: true)")
        return self

    @property
    def natural_key(self) -> str:
        return self.id.lower()


class RepRecord(Record):
    id: str = Key
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role
    territories: list[str] = Field(min_length=1)
    capacity: int = Field(100, ge=0, le=100_000, description="Most open assignments the rep takes.")
    time_zone: TimeZoneName = "UTC"
    active: bool = True

    @field_validator("territories", mode="before")
    @classmethod
    def _territory_list(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("role", mode="before")
    @classmethod
    def _role_upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def natural_key(self) -> str:
        return self.id.lower()


class OrderLine(Record):
    sku: str = Field(min_length=1, max_length=120)
    quantity: int = Field(1, ge=1, le=1_000_000)


class OrderRecord(Record):
    order_id: str = Field(min_length=1, max_length=120)
    customer: str = Field(min_length=1, max_length=200)
    date: date
    lines: list[OrderLine] = Field(min_length=1)

    @property
    def natural_key(self) -> str:
        return self.order_id

    def digest(self) -> str:
        lines = sorted((line.sku.lower(), line.quantity) for line in self.lines)
        blob = json.dumps([self.customer, self.date.isoformat(), lines], separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


KINDS: dict[str, type[Record]] = {
    "products": ProductRecord,
    "cross_sell": CrossSellRecord,
    "upsell": UpsellRecord,
    "competitors": CompetitorRecord,
    "claims": ClaimRecord,
    "territories": TerritoryRecord,
    "reps": RepRecord,
    "orders": OrderRecord,
}
# Written in this order, so a file holding several kinds can refer to what it defines above.
ORDER = ("products", "cross_sell", "upsell", "competitors", "claims", "territories", "reps", "orders")
