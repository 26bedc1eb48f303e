"""What crossfeed's tools return: pydantic models, so clients get output schemas and structured content."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from salient_core.pagination import Page

Strategy = Literal["round_robin", "least_loaded"]


class Money(BaseModel):
    amount: Decimal = Field(description="Decimal amount, e.g. 549.00.")
    currency: str = Field(description="ISO 4217 code, e.g. USD.")


class ProductOut(BaseModel):
    id: str = Field(description="Catalog product id (handle).")
    name: str
    category: str
    price_from: Money = Field(description="Lowest price over the product's SKUs.")
    skus: list[str]


class CuratedEvidence(BaseModel):
    kind: Literal["curated"] = "curated"
    id: str = Field(description="Pass to explain_recommendation.")
    primary: str = Field(description="The product the rule starts from.")
    relationship: str
    reason: str
    bundle_discount_pct: Decimal
    priority: int = Field(description="Lower comes first.")


class MinedEvidence(BaseModel):
    kind: Literal["mined"] = "mined"
    id: str = Field(description="Pass to explain_recommendation.")
    antecedent: str = Field(description="The product the association starts from.")
    orders: int = Field(description="Orders mined in all.")
    antecedent_orders: int
    pair_orders: int = Field(description="Orders holding both products.")
    support: float
    confidence: float
    lift: float


Evidence = Annotated[CuratedEvidence | MinedEvidence, Field(discriminator="kind")]


class CrossSellItem(BaseModel):
    product: ProductOut
    reason: str = Field(description="Why, in one sentence, from the strongest evidence.")
    evidence: list[Evidence]


class Thresholds(BaseModel):
    min_support: float
    min_confidence: float
    min_lift: float
    min_pair_orders: int


class CrossSellResult(BaseModel):
    basis: list[str] = Field(description="Product ids the recommendations start from.")
    customer: str | None = None
    excluded: list[str] = Field(description="Product ids left out: the basis and, with exclude_owned, what is owned.")
    items: list[CrossSellItem]
    thresholds: Thresholds = Field(description="What a mined association must clear to count.")
    message: str | None = Field(default=None, description="Why the list is empty or short.")


class UpsellItem(BaseModel):
    id: str = Field(description="Pass to explain_recommendation.")
    product: ProductOut
    price_difference: Money = Field(description="Premium price minus the base price.")
    gains: list[str] = Field(description="What the customer gains.")
    for_whom: str


class UpsellResult(BaseModel):
    base: ProductOut
    base_price: Money = Field(description="Price the difference is taken from (the SKU's, or the lowest).")
    budget: Money | None = None
    items: list[UpsellItem]
    over_budget: list[str] = Field(default_factory=list, description="Upgrade product ids left out by the budget.")
    message: str | None = None


class CompetitorOut(BaseModel):
    id: str
    name: str
    website: str | None = None
    summary: str
    claims: int = Field(description="Battlecard claims on file.")


CompetitorPage = Page[CompetitorOut]


class ClaimOut(BaseModel):
    topic: str
    product: str | None = Field(description="Our product id; null when the claim covers all of ours.")
    their_product: str
    ours: str
    theirs: str
    source: str = Field(description="Where the claim can be checked.")
    as_of: date = Field(description="When it was last verified.")


class Battlecard(BaseModel):
    competitor: CompetitorOut
    product: ProductOut | None = None
    claims: list[ClaimOut]
    message: str | None = None


class Comparison(BaseModel):
    product: ProductOut
    competitor: CompetitorOut
    their_products: list[str]
    rows: list[ClaimOut] = Field(description="Claims about this product first, then claims about all our products.")
    message: str | None = None


class TerritoryOut(BaseModel):
    id: str
    name: str
    priority: int
    fallback: bool


class TerritoryMatch(BaseModel):
    territory: TerritoryOut
    matched_rule: str | None = Field(description="The rule that matched, in words; null for the fallback.")
    rule_number: int | None = Field(description="1-based position of the rule within its territory.")
    fallback: bool
    also_matched: list[str] = Field(description="Territories that matched too but lost on priority.")
    reason: str


class RepOut(BaseModel):
    id: str
    name: str
    email: str
    role: str
    territories: list[str]
    time_zone: str
    capacity: int
    assigned: int = Field(description="Assignments so far (after this one, when applied).")


class RepPick(BaseModel):
    rep: RepOut
    territory: TerritoryMatch
    role: str
    strategy: Strategy
    fallback: bool = Field(description="True when nobody in the territory could take it.")
    reason: str
    applied: bool = Field(description="False for dry_run and for a replayed idempotency key.")
    replayed: bool = False


class Explanation(BaseModel):
    id: str
    kind: Literal["curated", "mined", "upsell"]
    summary: str
    steps: list[str] = Field(description="How the recommendation follows from the data, with the numbers.")
    still_valid: bool = Field(description="False when the evidence no longer clears the thresholds.")
