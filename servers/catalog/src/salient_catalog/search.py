"""Ranked lexical search over one account's catalog, the same on SQLite and PostgreSQL.

The index lives in memory, built from the database at a given catalog revision (see `readmodel.ReadModel`):
BM25 over weighted fields (name, brand, category, tags, SKUs, attributes, description) with Snowball stemming
(plural and singular meet), typo correction against the catalog's own vocabulary (optimal string alignment
distance 1 or 2), and per-account synonyms ("bp monitor" also searches "blood pressure monitor"). Filters and
facets run on numpy arrays, and orders are kept precomputed, so a query costs its matching postings, not the
catalog's size.

Documents sit at positions that never move. Changed products are applied in place (`apply`): a product whose
searchable text is unchanged (a stock or price change) is patched where it is; otherwise its old position is
retired and the new version appended. Retired positions are excluded by the `alive` column and from the term
statistics, so scores are those a fresh build would give; the read model rebuilds when too many are retired.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from salient_catalog.schemas import AttributeValue, Sort

FIELD_WEIGHTS = {
    "name": 3.0,
    "sku": 3.0,
    "brand": 2.0,
    "category": 2.0,
    "tags": 1.5,
    "attributes": 1.0,
    "text": 1.0,
}
K1, B = 1.2, 0.5
FUZZY_WEIGHT = 0.8
_MAX_DISTANCE = 2  # typo corrections: distance 1 for stems under 8 letters, 2 from 8
_STOPWORD_TEXT = """a an and any are as at be best by can do does for from have i in is it me my need of on or our show
some that the this to under over with you your what which looking want cheap cheapest"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = snowballstemmer.stemmer("english")
_CORRECTIONS_KEPT = 4096  # typo corrections remembered per index; cleared when the vocabulary changes
_EMPTY_DOCS = np.zeros(0, dtype=np.int64)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem_all(tokens: Iterable[str]) -> list[str]:
    return _STEMMER.stemWords(list(tokens))


def normalize_value(value: AttributeValue) -> str:
    """Attribute values compare case-insensitively; `True` and `"true"` are the same."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


@dataclass(frozen=True, slots=True)
class IndexedVariant:
    sku: str
    title: str
    price: Decimal
    compare_at_price: Decimal | None
    currency: str
    stock: int
    attributes: dict[str, AttributeValue]


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """One product as the catalog holds it in memory: what the index needs and what a product view shows."""

    pk: int
    handle: str
    name: str
    brand: str
    category_id: int | None
    description: str
    tags: Sequence[str]
    attributes: dict[str, AttributeValue]
    variants: Sequence[IndexedVariant]
    url: str | None = None
    images: Sequence[str] = ()

    def document(self) -> tuple[Any, ...]:
        """Everything the index reads besides prices and stock: equal documents index the same."""
        variants = tuple((v.sku, v.title, tuple(v.attributes.items())) for v in self.variants)
        return (
            self.handle,
            self.name,
            self.brand,
            self.category_id,
            self.description,
            tuple(self.tags),
            tuple(self.attributes.items()),
            variants,
        )


@dataclass(frozen=True)
class IndexedCategory:
    id: int
    slug: str
    name: str
    parent_id: int | None


@dataclass
class Filters:
    category_ids: set[int] | None = None
    price_min: float | None = None
    price_max: float | None = None
    in_stock: bool | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ranked:
    """The outcome of a query: one page of matching positions in rank order, with scores and explanations."""

    page: list[int]
    total: int
    scores: np.ndarray
    matched: dict[int, list[str]]
    interpreted_as: list[str]
    text_matches: int
    mask: np.ndarray


@dataclass
class _Group:
    """One query word and its alternatives (typo corrections); a document scores its best alternative."""

    label: str
    alternatives: list[tuple[int, float]]


class SearchIndex:
    def __init__(
        self,
        products: Sequence[IndexedProduct],
        categories: Sequence[IndexedCategory],
        synonyms: dict[str, str],
    ) -> None:
        self.categories = {c.id: c for c in categories}
        self.synonym_map = dict(synonyms)
        self.synonyms = sorted(
            ((tuple(stem_all(words(term))), term, expansion) for term, expansion in synonyms.items() if words(term)),
            key=lambda entry: -len(entry[0]),
        )
        self._build_categories()
        self.products: list[IndexedProduct] = []
        self.position: dict[int, int] = {}
        self.by_ref: dict[str, int] = {}
        self.slots = 0  # positions used, retired ones included
        self.alive = np.zeros(0, dtype=bool)
        self.doc_category = np.zeros(0, dtype=np.int64)
        self.doc_category_slot = np.zeros(0, dtype=np.int64)
        self.price_min = np.zeros(0)
        self.price_max = np.zeros(0)
        self.in_stock = np.zeros(0, dtype=bool)
        self.pk = np.zeros(0, dtype=np.int64)
        self.brands: list[str] = []
        self._brand_ids: dict[str, int] = {}
        self.doc_brand = np.zeros(0, dtype=np.int64)
        self.var_doc = np.zeros(0, dtype=np.int64)
        self.var_price = np.zeros(0)
        self.lengths = np.zeros(0)
        self.vocab: list[str] = []
        self.surface: dict[str, str] = {}
        self._term_ids: dict[str, int] = {}
        self._post_docs: list[np.ndarray] = []
        self._post_weights: list[np.ndarray] = []
        self.df = np.zeros(0, dtype=np.int64)  # live documents per term
        self.attribute_types: dict[str, str] = {}
        self.attribute_values: dict[str, dict[str, np.ndarray]] = {}
        self.attribute_numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._facet_columns: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        self._corrections_cache: dict[str, list[int]] = {}
        self._by_length: dict[int, tuple[list[str], list[int]]] = {}  # vocabulary by term length, for corrections
        self._append(list(products))
        self._restat()

    # -- construction ------------------------------------------------------------------------------------

    def _build_categories(self) -> None:
        self.ancestors: dict[int, list[int]] = {}
        for cid in self.categories:
            chain, seen, current = [], set(), cid
            while current is not None and current in self.categories and current not in seen:
                seen.add(current)
                chain.append(current)
                current = self.categories[current].parent_id
            self.ancestors[cid] = chain
        self.children: dict[int, list[int]] = defaultdict(list)
        for c in self.categories.values():
            if c.parent_id is not None:
                self.children[c.parent_id].append(c.id)
        # Dense slots for category counting with bincount: slot 0 is "no category".
        self._category_slots: dict[int, int] = {}
        self._slot_categories: list[int] = [-1]

    def _category_slot(self, category_id: int | None) -> int:
        if category_id is None:
            return 0
        slot = self._category_slots.get(category_id)
        if slot is None:
            slot = self._category_slots[category_id] = len(self._slot_categories)
            self._slot_categories.append(category_id)
        return slot

    def descendants(self, category_id: int) -> set[int]:
        out, stack = set(), [category_id]
        while stack:
            cid = stack.pop()
            if cid not in out:
                out.add(cid)
                stack.extend(self.children.get(cid, ()))
        return out

    @property
    def size(self) -> int:
        """Products in the index (retired positions left out)."""
        return len(self.position)

    @property
    def retired(self) -> int:
        return self.slots - len(self.position)

    def _fields(self, p: IndexedProduct) -> dict[str, list[str]]:
        category_words: list[str] = []
        if p.category_id is not None:
            for cid in self.ancestors.get(p.category_id, []):
                category_words += words(self.categories[cid].name)
        attribute_words: list[str] = []
        for attrs in [p.attributes, *(v.attributes for v in p.variants)]:
            for key, value in attrs.items():
                if isinstance(value, bool):
                    if value:
                        attribute_words += words(key.replace("_", " "))
                elif isinstance(value, str):
                    attribute_words += words(value)
        return {
            "name": words(p.name),
            "sku": [w for v in p.variants for w in words(v.sku)],
            "brand": words(p.brand),
            "category": category_words,
            "tags": [w for t in p.tags for w in words(t)],
            "attributes": attribute_words,
            "text": words(p.description) + [w for v in p.variants for w in words(v.title)],
        }

    def _term_weights(self, p: IndexedProduct, term_of_token: dict[str, int]) -> dict[int, float]:
        weights: dict[int, float] = defaultdict(float)
        for fname, tokens in self._fields(p).items():
            w = FIELD_WEIGHTS[fname]
            for token in tokens:
                term = term_of_token.get(token)
                if term is None:
                    stem = token if token.isdigit() else _STEMMER.stemWord(token)
                    term = self._term_ids.get(stem)
                    if term is None:
                        term = self._term_ids[stem] = len(self.vocab)
                        self.vocab.append(stem)
                        self.surface[stem] = token
                    term_of_token[token] = term
                weights[term] += w
        return weights

    def _append(self, new: list[IndexedProduct]) -> None:
        """Index products at fresh positions after the last one."""
        if not new:
            return
        start = self.slots
        for k, p in enumerate(new):
            i = start + k
            self.position[p.pk] = i
            self.by_ref[p.handle.lower()] = i
            for v in p.variants:
                self.by_ref[v.sku.lower()] = i
        self.products.extend(new)
        self.slots = start + len(new)
        self._append_columns(new, start)
        self._append_postings(new, start)
        self._append_attributes(new, start)
        self._orders.clear()
        self._facet_columns.clear()
        self._corrections_cache.clear()

    def prepare(self) -> None:
        """Compute the kept orders now (a build does this off the event loop) rather than on the first query."""
        for sort in ("name", "price_asc", "price_desc", "newest"):
            self._order(sort)
        self._terms_of_length(0)

    def _append_columns(self, new: list[IndexedProduct], start: int) -> None:
        def cat(old: np.ndarray, values: Any, dtype: Any) -> np.ndarray:
            return np.concatenate([old, np.asarray(values, dtype=dtype)])

        self.alive = cat(self.alive, [True] * len(new), bool)
        self.doc_category = cat(
            self.doc_category, [-1 if p.category_id is None else p.category_id for p in new], np.int64
        )
        self.doc_category_slot = cat(
            self.doc_category_slot, [self._category_slot(p.category_id) for p in new], np.int64
        )
        self.price_min = cat(
            self.price_min, [min((float(v.price) for v in p.variants), default=0.0) for p in new], np.float64
        )
        self.price_max = cat(
            self.price_max, [max((float(v.price) for v in p.variants), default=0.0) for p in new], np.float64
        )
        self.in_stock = cat(self.in_stock, [any(v.stock > 0 for v in p.variants) for p in new], bool)
        self.pk = cat(self.pk, [p.pk for p in new], np.int64)
        brand_ids = []
        for p in new:
            if not p.brand:
                brand_ids.append(-1)
                continue
            b = self._brand_ids.get(p.brand)
            if b is None:
                b = self._brand_ids[p.brand] = len(self.brands)
                self.brands.append(p.brand)
            brand_ids.append(b)
        self.doc_brand = cat(self.doc_brand, brand_ids, np.int64)
        var_doc = [start + k for k, p in enumerate(new) for _ in p.variants]
        var_price = [float(v.price) for p in new for v in p.variants]
        self.var_doc = cat(self.var_doc, var_doc, np.int64)
        self.var_price = cat(self.var_price, var_price, np.float64)

    def _append_postings(self, new: list[IndexedProduct], start: int) -> None:
        # Postings are gathered flat (term id, document, weight) and split per term with one stable sort:
        # far fewer Python operations than a list per term, which matters at 50,000 products.
        term_of_token: dict[str, int] = {}
        flat_terms: array[int] = array("q")
        flat_docs: array[int] = array("q")
        flat_weights: array[float] = array("d")
        lengths = np.zeros(len(new))
        for k, p in enumerate(new):
            weights = self._term_weights(p, term_of_token)
            lengths[k] = sum(weights.values())
            flat_terms.extend(weights.keys())
            flat_docs.extend([start + k] * len(weights))
            flat_weights.extend(weights.values())
        self.lengths = np.concatenate([self.lengths, lengths])
        n_terms = len(self.vocab)
        grown = n_terms - len(self._post_docs)
        self._post_docs.extend([_EMPTY_DOCS] * grown)
        self._post_weights.extend([np.zeros(0)] * grown)
        self.df = np.concatenate([self.df, np.zeros(grown, dtype=np.int64)])
        if self._by_length:
            self._add_to_lengths(range(n_terms - grown, n_terms))
        if not flat_terms:
            return
        term_array = np.frombuffer(flat_terms, dtype=np.int64)
        order = np.argsort(term_array, kind="stable")  # stable: documents stay ascending within a term
        terms_sorted = term_array[order]
        docs = np.frombuffer(flat_docs, dtype=np.int64)[order]
        values = np.frombuffer(flat_weights, dtype=np.float64)[order]
        present, first = np.unique(terms_sorted, return_index=True)
        bounds = [*first.tolist(), len(terms_sorted)]
        fresh = start == 0
        for j, t in enumerate(present.tolist()):
            d, w = docs[bounds[j] : bounds[j + 1]], values[bounds[j] : bounds[j + 1]]
            if fresh:
                self._post_docs[t], self._post_weights[t] = d, w
            else:  # new positions are above every old one, so the postings stay sorted
                self._post_docs[t] = np.concatenate([self._post_docs[t], d])
                self._post_weights[t] = np.concatenate([self._post_weights[t], w])
        np.add.at(self.df, present, np.diff(bounds))

    def _append_attributes(self, new: list[IndexedProduct], start: int) -> None:
        values: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        numbers: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for k, p in enumerate(new):
            i = start + k
            for attrs in [p.attributes, *(v.attributes for v in p.variants)]:
                for key, value in attrs.items():
                    values[key][normalize_value(value)].add(i)
                    kind = (
                        "boolean" if isinstance(value, bool) else "number" if isinstance(value, int | float) else "text"
                    )
                    self.attribute_types.setdefault(key, kind)
                    if kind == "number":
                        numbers[key][0].append(i)
                        numbers[key][1].append(float(value))
        for key, by_value in values.items():
            index = self.attribute_values.setdefault(key, {})
            for value, ids in by_value.items():
                docs = np.fromiter(sorted(ids), dtype=np.int64)
                old = index.get(value)
                index[value] = docs if old is None else np.concatenate([old, docs])
        for key, (d, x) in numbers.items():
            old_d, old_x = self.attribute_numbers.get(key, (_EMPTY_DOCS, np.zeros(0)))
            self.attribute_numbers[key] = (
                np.concatenate([old_d, np.array(d, dtype=np.int64)]),
                np.concatenate([old_x, np.array(x, dtype=np.float64)]),
            )

    def _restat(self) -> None:
        """Length normalisation from the live documents, as a fresh build computes it."""
        live = self.lengths[self.alive]
        avg = float(live.mean()) if len(live) else 1.0
        self.norm = K1 * (1 - B + B * self.lengths / (avg or 1.0))

    # -- changes -----------------------------------------------------------------------------------------

    def apply(self, changed: Sequence[IndexedProduct], removed: Iterable[int] = ()) -> None:
        """Bring the index up to date with changed or new products and removed product ids."""
        appended: list[IndexedProduct] = []
        reordered = False
        for pk in removed:
            i = self.position.get(pk)
            if i is not None:
                self._retire(i)
        for p in changed:
            i = self.position.get(p.pk)
            if i is not None and self.products[i].document() == p.document():
                reordered |= self._patch(i, p)
                continue
            if i is not None:
                self._retire(i)
            appended.append(p)
        self._append(appended)
        if reordered:
            self._orders.clear()
        self._restat()

    def _retire(self, i: int) -> None:
        p = self.products[i]
        self.alive[i] = False
        del self.position[p.pk]
        for ref in [p.handle.lower(), *(v.sku.lower() for v in p.variants)]:
            if self.by_ref.get(ref) == i:
                del self.by_ref[ref]
        terms = list(self._term_weights(p, {}))
        np.subtract.at(self.df, terms, 1)
        self._orders.clear()
        self._corrections_cache.clear()

    def _patch(self, i: int, p: IndexedProduct) -> bool:
        """Prices and stock of a product whose document is unchanged; True when price orders moved."""
        self.products[i] = p
        lo = min((float(v.price) for v in p.variants), default=0.0)
        hi = max((float(v.price) for v in p.variants), default=0.0)
        moved = lo != self.price_min[i] or hi != self.price_max[i]
        self.price_min[i], self.price_max[i] = lo, hi
        self.in_stock[i] = any(v.stock > 0 for v in p.variants)
        rows = np.flatnonzero(self.var_doc == i)
        self.var_price[rows] = [float(v.price) for v in p.variants]
        return moved

    # -- querying ----------------------------------------------------------------------------------------

    def _term(self, stem: str) -> int | None:
        t = self._term_ids.get(stem)
        return t if t is not None and self.df[t] > 0 else None

    def _groups(self, query: str) -> tuple[list[_Group], list[str]]:
        tokens = words(query)
        stems = stem_all(tokens)
        used = [False] * len(tokens)
        notes: list[str] = []
        groups: list[_Group] = []
        # Synonyms match on stems, so "bp monitors" meets the synonym "bp monitor"; longest terms first.
        for term_stems, term, expansion in self.synonyms:
            n = len(term_stems)
            for start in range(len(stems) - n + 1):
                if tuple(stems[start : start + n]) == term_stems and not any(used[start : start + n]):
                    used[start : start + n] = [True] * n
                    notes.append(f"{term!r} also means {expansion!r}")
                    for w in words(expansion):
                        if w not in STOPWORDS:
                            t = self._term(_STEMMER.stemWord(w))
                            groups.append(_Group(w, [(t, 1.0)] if t is not None else []))
        for w, stem, consumed in zip(tokens, stems, used, strict=True):
            if consumed or w in STOPWORDS:
                continue
            t = self._term(stem)
            if t is not None:
                groups.append(_Group(w, [(t, 1.0)]))
                continue
            fixes = self._corrections(stem)
            if fixes:
                notes.append(f"{w!r} read as {', '.join(repr(self.surface[self.vocab[f]]) for f in fixes)}")
                groups.append(_Group(w, [(f, FUZZY_WEIGHT) for f in fixes]))
            else:
                groups.append(_Group(w, []))
        seen: set[str] = set()
        unique = []
        for g in groups:
            key = "|".join(str(t) for t, _ in g.alternatives) or g.label
            if key not in seen:
                seen.add(key)
                unique.append(g)
        return unique, notes

    def _corrections(self, stem: str) -> list[int]:
        """Catalog terms nearest to an unknown stem, as term ids: of the three nearest (earlier terms first on a
        tie), those at the least distance."""
        if len(stem) < 4 or not stem.isalpha():
            return []
        cached = self._corrections_cache.get(stem)
        if cached is not None:
            return cached
        max_distance = 1 if len(stem) < 8 else _MAX_DISTANCE
        # Only terms whose length is within the distance can be that close: compare against those alone.
        found: list[tuple[int, int]] = []
        for length in range(len(stem) - max_distance, len(stem) + max_distance + 1):
            terms, ids = self._terms_of_length(length)
            for _, d, j in process.extract(stem, terms, scorer=OSA.distance, score_cutoff=max_distance, limit=None):
                if self.df[ids[j]] > 0:
                    found.append((int(d), ids[j]))
        nearest = sorted(found)[:3]
        fixes = [t for d, t in nearest if d == nearest[0][0]]
        if len(self._corrections_cache) >= _CORRECTIONS_KEPT:
            self._corrections_cache.clear()
        self._corrections_cache[stem] = fixes
        return fixes

    def _terms_of_length(self, length: int) -> tuple[list[str], list[int]]:
        """Terms of one length that a correction can reach: the stems corrected are letters only, so a term with
        more digits than the largest distance (a SKU such as "g10452") is never within it."""
        if not self._by_length:
            self._add_to_lengths(range(len(self.vocab)))
        return self._by_length.get(length, ([], []))

    def _add_to_lengths(self, term_ids: Iterable[int]) -> None:
        for t in term_ids:
            term = self.vocab[t]
            if sum(c.isdigit() for c in term) <= _MAX_DISTANCE:
                terms, ids = self._by_length.setdefault(len(term), ([], []))
                terms.append(term)
                ids.append(t)

    def filter_mask(self, filters: Filters) -> np.ndarray:
        mask = self.alive.copy()
        if filters.category_ids is not None:
            mask &= np.isin(self.doc_category, np.fromiter(filters.category_ids, dtype=np.int64))
        if filters.price_min is not None or filters.price_max is not None:
            lo = filters.price_min if filters.price_min is not None else -math.inf
            hi = filters.price_max if filters.price_max is not None else math.inf
            in_range = (self.var_price >= lo) & (self.var_price <= hi)
            priced = np.zeros(self.slots, dtype=bool)
            priced[self.var_doc[in_range]] = True
            mask &= priced
        if filters.in_stock is not None:
            mask &= self.in_stock if filters.in_stock else ~self.in_stock
        for key, wanted in filters.attributes.items():
            mask &= self._attribute_mask(key, wanted)
        return mask

    def _attribute_mask(self, key: str, wanted: Any) -> np.ndarray:
        hit = np.zeros(self.slots, dtype=bool)
        if isinstance(wanted, dict):
            docs, values = self.attribute_numbers.get(key, (_EMPTY_DOCS, np.array([])))
            ok = np.ones(len(values), dtype=bool)
            if wanted.get("min") is not None:
                ok &= values >= float(wanted["min"])
            if wanted.get("max") is not None:
                ok &= values <= float(wanted["max"])
            hit[docs[ok]] = True
            return hit
        choices = wanted if isinstance(wanted, list) else [wanted]
        index = self.attribute_values.get(key, {})
        for choice in choices:
            docs = index.get(normalize_value(choice))
            if docs is not None:
                hit[docs] = True
        return hit

    def search(self, query: str, filters: Filters, sort: Sort, *, offset: int = 0, limit: int = 10) -> Ranked:
        mask = self.filter_mask(filters)
        exact = self.by_ref.get(query.strip().lower()) if query.strip() else None
        groups, notes = ([], []) if exact is not None else self._groups(query)
        scores = np.zeros(self.slots)
        text_matches = self.size
        if groups or exact is not None:
            hits = np.zeros(self.slots, dtype=np.int32)
            n = self.size
            for g in groups:
                best = np.zeros(self.slots)
                for term, weight in g.alternatives:
                    docs, w = self._post_docs[term], self._post_weights[term]
                    df = int(self.df[term])
                    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                    contribution = weight * idf * w * (K1 + 1) / (w + self.norm[docs])
                    best[docs] = np.maximum(best[docs], contribution)
                scores += best
                hits += best > 0
            if groups:
                coverage = hits / len(groups)
                scores *= 0.4 + 0.6 * coverage
            if exact is not None:  # the query is a SKU or a product id: that product, and only it
                scores[exact] = 1.0
            text = (scores > 0) & self.alive
            text_matches = int(text.sum())
            mask &= text
        ranked_by_score = sort == "relevance" and (bool(groups) or exact is not None)
        if ranked_by_score:
            page, total = self._top(mask, scores, offset + limit)
        else:
            order = self._order("name" if sort == "relevance" else sort)
            selected = order[mask[order]]
            total = len(selected)
            page = selected[: offset + limit]
        page_list = [int(i) for i in page[offset:]]
        matched: dict[int, list[str]] = {}
        if groups:
            for i in page_list:
                matched[i] = [self.surface[self.vocab[t]] for g in groups for t, _ in g.alternatives if self._has(t, i)]
        return Ranked(page_list, total, scores, matched, notes, text_matches, mask)

    def _has(self, term: int, doc: int) -> bool:
        docs = self._post_docs[term]
        j = int(np.searchsorted(docs, doc))
        return j < len(docs) and int(docs[j]) == doc

    def _top(self, mask: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, int]:
        """The first k matching positions by score, then name, then product id; and how many match."""
        positions = np.flatnonzero(mask)
        total = len(positions)
        if total > k > 0:
            values = scores[positions]
            threshold = np.partition(values, total - k)[total - k]  # the k-th highest score
            positions = positions[values >= threshold]  # every tie at the threshold stays in
        rank = self._name_rank()
        order = np.lexsort((rank[positions], -scores[positions]))
        return positions[order][:k], total

    def _name_rank(self) -> np.ndarray:
        rank = self._orders.get("name_rank")
        if rank is None:
            by_name = self._order("name")
            rank = np.empty(self.slots, dtype=np.int64)
            rank[by_name] = np.arange(self.slots)
            self._orders["name_rank"] = rank
        return rank

    def _order(self, sort: str) -> np.ndarray:
        """Every position in the order of a sort without a query (ties by name, then product id); kept."""
        order = self._orders.get(sort)
        if order is not None:
            return order
        if sort == "name":
            names = [p.name.lower() for p in self.products]
            order = np.array(sorted(range(self.slots), key=lambda i: (names[i], int(self.pk[i]))), dtype=np.int64)
        elif sort == "newest":
            order = np.argsort(-self.pk, kind="stable")
        else:
            rank = self._name_rank()
            price = self.price_min if sort == "price_asc" else -self.price_max
            order = np.lexsort((rank, price))
        self._orders[sort] = order
        return order

    # -- facets ------------------------------------------------------------------------------------------

    def category_histogram(self, mask: np.ndarray) -> np.ndarray:
        """Masked products per category slot (slot 0: no category)."""
        return np.bincount(self.doc_category_slot[mask], minlength=len(self._slot_categories))

    def distinct_categories(self, mask: np.ndarray) -> int:
        """How many different categories (no category counting as one) the masked products have."""
        return int(np.count_nonzero(self.category_histogram(mask)))

    def category_counts(self, mask: np.ndarray) -> Counter[int]:
        """Products per category, each counted in its own category and every ancestor."""
        histogram = self.category_histogram(mask)
        total: Counter[int] = Counter()
        for slot in np.flatnonzero(histogram[1:]).tolist():
            cid, count = self._slot_categories[slot + 1], int(histogram[slot + 1])
            for ancestor in self.ancestors.get(cid, [cid]):
                total[ancestor] += count
        return total

    def brand_counts(self, mask: np.ndarray) -> list[tuple[str, int]]:
        """Masked products per brand, in brand name order."""
        ids = self.doc_brand[mask]
        counts = np.bincount(ids[ids >= 0], minlength=len(self.brands))
        return sorted((self.brands[i], int(counts[i])) for i in np.flatnonzero(counts).tolist())

    def attribute_facets(self, mask: np.ndarray, *, max_values: int = 12) -> dict[str, list[tuple[str, int]]]:
        """Counts of each non-numeric attribute value among the masked products."""
        out: dict[str, list[tuple[str, int]]] = {}
        for key in sorted(self.attribute_values):
            if self.attribute_types.get(key) == "number":
                continue
            values, docs, value_ids = self._facet_column(key)
            counts = np.bincount(value_ids[mask[docs]], minlength=len(values))
            present = sorted(
                ((values[j], int(counts[j])) for j in np.flatnonzero(counts).tolist()), key=lambda vc: (-vc[1], vc[0])
            )
            if 0 < len(present) <= max_values:
                out[key] = present
        return out

    def _facet_column(self, key: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """An attribute's postings side by side (documents, value number), to count all values in one pass."""
        column = self._facet_columns.get(key)
        if column is None:
            by_value = self.attribute_values[key]
            values = list(by_value)
            docs = np.concatenate(list(by_value.values()))
            value_ids = np.repeat(np.arange(len(values)), [len(d) for d in by_value.values()])
            column = self._facet_columns[key] = (values, docs, value_ids)
        return column
