"""Filters as boolean masks over index positions: category subtree, price range, stock, attribute values."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from salient_catalog.search.documents import Filters
from salient_catalog.search.index import EMPTY_DOCS, SearchIndex
from salient_catalog.search.text import normalize_value


def filter_mask(index: SearchIndex, filters: Filters) -> np.ndarray:
    mask = index.alive.copy()
    if filters.category_ids is not None:
        mask &= np.isin(index.doc_category, np.fromiter(filters.category_ids, dtype=np.int64))
    if filters.price_min is not None or filters.price_max is not None:
        lo = filters.price_min if filters.price_min is not None else -math.inf
        hi = filters.price_max if filters.price_max is not None else math.inf
        in_range = (index.var_price >= lo) & (index.var_price <= hi)
        priced = np.zeros(index.slots, dtype=bool)
        priced[index.var_doc[in_range]] = True
        mask &= priced
    if filters.in_stock is not None:
        mask &= index.in_stock if filters.in_stock else ~index.in_stock
    for key, wanted in filters.attributes.items():
        mask &= _attribute_mask(index, key, wanted)
    return mask


def _attribute_mask(index: SearchIndex, key: str, wanted: Any) -> np.ndarray:
    hit = np.zeros(index.slots, dtype=bool)
    if isinstance(wanted, dict):
        docs, values = index.attribute_numbers.get(key, (EMPTY_DOCS, np.array([])))
        ok = np.ones(len(values), dtype=bool)
        if wanted.get("min") is not None:
            ok &= values >= float(wanted["min"])
        if wanted.get("max") is not None:
            ok &= values <= float(wanted["max"])
        hit[docs[ok]] = True
        return hit
    choices = wanted if isinstance(wanted, list) else [wanted]
    by_value = index.attribute_values.get(key, {})
    for choice in choices:
        docs = by_value.get(normalize_value(choice))
        if docs is not None:
            hit[docs] = True
    return hit
