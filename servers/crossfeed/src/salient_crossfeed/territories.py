"""Territory rules: what a rule matches, which territory wins, and which rules contradict each other.

A territory holds rules; a rule matches a customer when every condition it states holds (a condition left out
matches anything, but a condition the customer's details cannot answer does not match). Of the territories with a
matching rule, the lowest `priority` number wins. Two territories at the same priority whose rules can match one
customer are a contradiction: no rule decides between them, so the import that would create them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field, field_validator, model_validator

HIGHEST = "\uffff"  # sorts after every postal code character, so a prefix becomes a text range


def _normal_postal(code: str) -> str:
    return code.replace(" ", "").upper()


class Rule(BaseModel):
    """One matching rule. Lists match any of their values; postal codes compare as text."""

    countries: list[str] = Field(default_factory=list, description="ISO 3166 alpha-2 codes, e.g. US, DE.")
    regions: list[str] = Field(default_factory=list, description="State or region codes, e.g. CA, NSW.")
    postal_prefixes: list[str] = Field(default_factory=list)
    postal_ranges: list[tuple[str, str]] = Field(default_factory=list, description="Inclusive [low, high] pairs.")
    industries: list[str] = Field(default_factory=list)
    email_domains: list[str] = Field(default_factory=list)
    size_min: int | None = Field(None, ge=0, description="Smallest company size (employees) matched.")
    size_max: int | None = Field(None, ge=0, description="Largest company size matched.")

    @field_validator("countries", "regions")
    @classmethod
    def _upper(cls, values: list[str]) -> list[str]:
        return sorted({v.strip().upper() for v in values if v.strip()})

    @field_validator("industries", "email_domains")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return sorted({v.strip().lower() for v in values if v.strip()})

    @field_validator("postal_prefixes")
    @classmethod
    def _postal(cls, values: list[str]) -> list[str]:
        return sorted({_normal_postal(v) for v in values if v.strip()})

    @model_validator(mode="after")
    def _ranges_in_order(self) -> Rule:
        self.postal_ranges = [(_normal_postal(lo), _normal_postal(hi)) for lo, hi in self.postal_ranges]
        for lo, hi in self.postal_ranges:
            if lo > hi:
                raise ValueError(f"postal range {lo!r}-{hi!r} has its low end above its high end")
        if self.size_min is not None and self.size_max is not None and self.size_min > self.size_max:
            raise ValueError(f"size_min {self.size_min} is above size_max {self.size_max}")
        return self

    def describe(self) -> str:
        parts = [
            f"{label} in {', '.join(values)}"
            for label, values in (
                ("country", self.countries),
                ("region", self.regions),
                ("postal prefix", self.postal_prefixes),
                ("postal range", [f"{lo}-{hi}" for lo, hi in self.postal_ranges]),
                ("industry", self.industries),
                ("email domain", self.email_domains),
            )
            if values
        ]
        if self.size_min is not None:
            parts.append(f"company size >= {self.size_min}")
        if self.size_max is not None:
            parts.append(f"company size <= {self.size_max}")
        return "; ".join(parts) or "anything"

    def postal_spans(self) -> list[tuple[str, str]]:
        return [(p, p + HIGHEST) for p in self.postal_prefixes] + list(self.postal_ranges)

    def size_span(self) -> tuple[float, float]:
        return (self.size_min or 0, float("inf") if self.size_max is None else self.size_max)


@dataclass(frozen=True)
class Customer:
    """What is known about a prospect; any field may be missing."""

    country: str | None = None
    region: str | None = None
    postal_code: str | None = None
    industry: str | None = None
    company_size: int | None = None
    email_domain: str | None = None


def country_of_domain(domain: str) -> str | None:
    """The country a country-code domain implies (`acme.de` -> DE, `nhs.uk` -> GB); None for `.com` and the like."""
    tld = domain.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha():
        return None
    return "GB" if tld == "uk" else tld.upper()


def matches(rule: Rule, who: Customer) -> bool:
    checks: list[tuple[list[str], str | None]] = [
        (rule.countries, who.country.upper() if who.country else None),
        (rule.regions, who.region.upper() if who.region else None),
        (rule.industries, who.industry.lower() if who.industry else None),
        (rule.email_domains, who.email_domain.lower() if who.email_domain else None),
    ]
    for allowed, value in checks:
        if allowed and (value is None or value not in allowed):
            return False
    spans = rule.postal_spans()
    if spans:
        if not who.postal_code:
            return False
        code = _normal_postal(who.postal_code)
        if not any(lo <= code <= hi or code.startswith(lo) for lo, hi in spans):
            return False
    if rule.size_min is not None or rule.size_max is not None:
        if who.company_size is None:
            return False
        low, high = rule.size_span()
        if not low <= who.company_size <= high:
            return False
    return True


def _lists_meet(a: list[str], b: list[str]) -> bool:
    return not a or not b or bool(set(a) & set(b))


def overlap(a: Rule, b: Rule) -> bool:
    """True when some customer could match both rules."""
    if not all(
        _lists_meet(x, y)
        for x, y in (
            (a.countries, b.countries),
            (a.regions, b.regions),
            (a.industries, b.industries),
            (a.email_domains, b.email_domains),
        )
    ):
        return False
    spans_a, spans_b = a.postal_spans(), b.postal_spans()
    if spans_a and spans_b and not any(lo1 <= hi2 and lo2 <= hi1 for lo1, hi1 in spans_a for lo2, hi2 in spans_b):
        return False
    (low_a, high_a), (low_b, high_b) = a.size_span(), b.size_span()
    return low_a <= high_b and low_b <= high_a


@dataclass(frozen=True)
class TerritorySpec:
    key: str
    priority: int
    fallback: bool
    rules: list[Rule]


def contradictions(territories: list[TerritorySpec]) -> list[str]:
    """Every pair of territories at one priority with rules that overlap, described for the operator."""
    found = []
    ranked = [t for t in territories if not t.fallback]
    for i, first in enumerate(ranked):
        for second in ranked[i + 1 :]:
            if first.priority != second.priority or first.key == second.key:
                continue
            for m, rule_a in enumerate(first.rules):
                clash = next((n for n, rule_b in enumerate(second.rules) if overlap(rule_a, rule_b)), None)
                if clash is not None:
                    found.append(
                        f"territories {first.key!r} (rule {m + 1}: {rule_a.describe()}) and {second.key!r} "
                        f"(rule {clash + 1}: {second.rules[clash].describe()}) both have priority {first.priority} "
                        "and can match the same customer; give one a different priority or narrow a rule"
                    )
                    break
    return found


def winner(territories: list[TerritorySpec], who: Customer) -> tuple[TerritorySpec, int] | None:
    """The territory that wins for `who` and the index of its matching rule, or None (use the fallback)."""
    candidates = []
    for territory in territories:
        if territory.fallback:
            continue
        for index, rule in enumerate(territory.rules):
            if matches(rule, who):
                candidates.append((territory.priority, territory.key, index, territory))
                break
    if not candidates:
        return None
    _, _, index, territory = min(candidates, key=lambda c: (c[0], c[1]))
    return territory, index
