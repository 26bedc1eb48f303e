"""Association rules over order baskets, from counts that new orders only add to.

Each order is a basket: the set of products it holds (several SKUs of one product count once). Three counts are
enough for every pairwise rule A -> B:

    n       orders in all          support(A -> B)    = n(A,B) / n
    n(A)    orders holding A       confidence(A -> B) = n(A,B) / n(A)
    n(A,B)  orders holding both    lift(A -> B)       = confidence(A -> B) / (n(B) / n)

`basket_counts` turns a batch of baskets into count increments; adding the increments of two batches gives the
counts of both together, which is what makes mining incremental. Rules are derived from counts on demand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations


@dataclass(frozen=True)
class Thresholds:
    """A mined rule is evidence only when it clears all four."""

    min_support: float = 0.005
    min_confidence: float = 0.1
    min_lift: float = 1.2
    min_pair_orders: int = 3


@dataclass
class Counts:
    orders: int = 0
    items: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, other: Counts) -> None:
        self.orders += other.orders
        self.items.update(other.items)
        self.pairs.update(other.pairs)


def pair(a: str, b: str) -> tuple[str, str]:
    """The stored form of an unordered pair."""
    return (a, b) if a < b else (b, a)


def basket_counts(baskets: Iterable[Iterable[str]]) -> Counts:
    counts = Counts()
    for basket in baskets:
        products = sorted(set(basket))
        if not products:
            continue
        counts.orders += 1
        counts.items.update(products)
        counts.pairs.update(combinations(products, 2))  # sorted input, so each pair is already (a < b)
    return counts


@dataclass(frozen=True)
class MinedRule:
    antecedent: str
    consequent: str
    orders: int
    antecedent_orders: int
    consequent_orders: int
    pair_orders: int
    support: float
    confidence: float
    lift: float


def metrics(n: int, n_a: int, n_b: int, n_ab: int) -> tuple[float, float, float]:
    """Support, confidence and lift of A -> B, rounded to 4 places."""
    if n <= 0 or n_a <= 0 or n_b <= 0:
        return 0.0, 0.0, 0.0
    support = n_ab / n
    confidence = n_ab / n_a
    lift = confidence / (n_b / n)
    return round(support, 4), round(confidence, 4), round(lift, 4)


def rule(n: int, items: Mapping[str, int], a: str, b: str, n_ab: int) -> MinedRule:
    support, confidence, lift = metrics(n, items.get(a, 0), items.get(b, 0), n_ab)
    return MinedRule(a, b, n, items.get(a, 0), items.get(b, 0), n_ab, support, confidence, lift)


def passes(candidate: MinedRule, thresholds: Thresholds) -> bool:
    return (
        candidate.pair_orders >= thresholds.min_pair_orders
        and candidate.support >= thresholds.min_support
        and candidate.confidence >= thresholds.min_confidence
        and candidate.lift >= thresholds.min_lift
    )


def rules_from(
    n: int,
    items: Mapping[str, int],
    pairs: Mapping[tuple[str, str], int],
    antecedents: Iterable[str],
    thresholds: Thresholds,
) -> list[MinedRule]:
    """Every rule A -> B with A among `antecedents` that clears the thresholds, strongest (lift, confidence) first."""
    wanted = set(antecedents)
    found: list[MinedRule] = []
    for (a, b), n_ab in pairs.items():
        for x, y in ((a, b), (b, a)):
            if x in wanted:
                candidate = rule(n, items, x, y, n_ab)
                if passes(candidate, thresholds):
                    found.append(candidate)
    found.sort(key=lambda r: (-r.lift, -r.confidence, r.antecedent, r.consequent))
    return found
