"""Catalog errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   └── ImportFailed      a file could not be imported (with --strict, one bad row stops all)
└── NotFound
    └── UnknownProduct    no product with that id or SKU in this account
"""

from __future__ import annotations

from salient_core.errors import ImportFailed, NotFound

__all__ = ["ImportFailed", "UnknownProduct"]


class UnknownProduct(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"No product or SKU {ref!r} in this catalog.",
            hint="Call search_products to find the right id or SKU.",
        )
        self.ref = ref
