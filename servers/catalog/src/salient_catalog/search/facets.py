"""Facet counts over the products a query matched: categories (with their ancestors), brands, attribute values."""

from __future__ import annotations

from collections import Counter

import numpy as np

from salient_catalog.search.index import SearchIndex


def category_histogram(index: SearchIndex, mask: np.ndarray) -> np.ndarray:
    """Masked products per category slot (slot 0: no category)."""
    return np.bincount(index.doc_category_slot[mask], minlength=len(index.slot_categories))


def distinct_categories(index: SearchIndex, mask: np.ndarray) -> int:
    """How many different categories (no category counting as one) the masked products have."""
    return int(np.count_nonzero(category_histogram(index, mask)))


def category_counts(index: SearchIndex, mask: np.ndarray) -> Counter[int]:
    """Products per category, each counted in its own category and every ancestor."""
    histogram = category_histogram(index, mask)
    total: Counter[int] = Counter()
    for slot in np.flatnonzero(histogram[1:]).tolist():
        cid, count = index.slot_categories[slot + 1], int(histogram[slot + 1])
        for ancestor in index.ancestors.get(cid, [cid]):
            total[ancestor] += count
    return total


def brand_counts(index: SearchIndex, mask: np.ndarray) -> list[tuple[str, int]]:
    """Masked products per brand, in brand name order."""
    ids = index.doc_brand[mask]
    counts = np.bincount(ids[ids >= 0], minlength=len(index.brands))
    return sorted((index.brands[i], int(counts[i])) for i in np.flatnonzero(counts).tolist())


def attribute_facets(index: SearchIndex, mask: np.ndarray, *, max_values: int = 12) -> dict[str, list[tuple[str, int]]]:
    """Counts of each non-numeric attribute value among the masked products."""
    out: dict[str, list[tuple[str, int]]] = {}
    for key in sorted(index.attribute_values):
        if index.attribute_types.get(key) == "number":
            continue
        values, docs, value_ids = _facet_column(index, key)
        counts = np.bincount(value_ids[mask[docs]], minlength=len(values))
        present = sorted(
            ((values[j], int(counts[j])) for j in np.flatnonzero(counts).tolist()), key=lambda vc: (-vc[1], vc[0])
        )
        if 0 < len(present) <= max_values:
            out[key] = present
    return out


def _facet_column(index: SearchIndex, key: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """An attribute's postings side by side (documents, value number), to count all values in one pass."""
    column = index.facet_columns.get(key)
    if column is None:
        by_value = index.attribute_values[key]
        values = list(by_value)
        docs = np.concatenate(list(by_value.values()))
        value_ids = np.repeat(np.arange(len(values)), [len(d) for d in by_value.values()])
        column = index.facet_columns[key] = (values, docs, value_ids)
    return column
