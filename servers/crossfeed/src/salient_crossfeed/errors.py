"""Crossfeed errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   ├── ImportFailed        (from core) a file could not be imported; nothing was written
│   └── ConflictingRules    territory rules that match the same customer at the same priority
└── NotFound
    ├── UnknownProduct      no product or SKU with that id in this account
    ├── UnknownCompetitor   no competitor with that id
    ├── UnknownTerritory    no territory with that id
    └── UnknownRecommendation  an explain_recommendation id that names nothing
"""

from __future__ import annotations

from salient_core.errors import ImportFailed, NotFound


class UnknownProduct(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"Unknown product or SKU {ref!r}: crossfeed has no record of it, so it recommends nothing for it.",
            hint="Use a product id or SKU from the catalog (search_products there).",
        )
        self.ref = ref


class UnknownCompetitor(NotFound):
    def __init__(self, ref: str, known: list[str]) -> None:
        listed = ", ".join(repr(k) for k in known[:10]) or "none yet"
        super().__init__(f"Unknown competitor {ref!r}.", hint=f"Known competitors: {listed}. Call list_competitors.")


class UnknownTerritory(NotFound):
    def __init__(self, ref: str, known: list[str]) -> None:
        listed = ", ".join(repr(k) for k in known[:20]) or "none yet"
        super().__init__(f"Unknown territory {ref!r}.", hint=f"Known territories: {listed}.")


class UnknownRecommendation(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"No recommendation evidence {ref!r}.",
            hint="Pass an evidence id from recommend_cross_sell or recommend_upsell unchanged.",
        )


class ConflictingRules(ImportFailed):
    """Two territories at one priority whose rules can match the same customer: no rule decides between them."""
