"""The catalog's in-memory index: one account's products as numpy columns and BM25 postings, kept up to date.

The index lives in memory, built from the database at a given catalog revision (see `readmodel.ReadModel`):
BM25 postings over weighted fields (name, brand, category, tags, SKUs, attributes, description) with Snowball
stemming (plural and singular meet), the vocabulary that typo correction searches (optimal string alignment
distance 1 or 2), per-account synonyms, and the columns filters and facets run on. Orders are kept precomputed, so
a query costs its matching postings, not the catalog's size. Querying is `ranking.py`; facets are `facets.py`.

Each posting also records whether the term is in the product's name or category path (what the product is) or
in its tags, and
each position whether the product is an accessory (its category path names accessories, or it has an
`accessory_type` attribute): ranking uses both to put the product type a query names above the accessories that
mention it.

Documents sit at positions that never move. Changed products are applied in place (`apply`): a product whose
searchable text is unchanged (a stock or price change) is patched where it is; otherwise its old position is
retired and the new version appended. Retired positions are excluded by the `alive` column and from the term
statistics, so scores are those a fresh build would give; the read model rebuilds when too many are retired.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from salient_catalog.search.documents import IndexedCategory, IndexedProduct
from salient_catalog.search.text import normalize_value, stem, stem_all, words

FIELD_WEIGHTS = {
    "name": 3.0,
    "sku": 3.0,
    "brand": 2.0,
    "category": 3.0,
    "tags": 1.5,
    "attributes": 1.0,
    "text": 1.0,
}
K1, B = 1.2, 0.5
# Where a term sits, per posting: NAMED for the fields that say what a product is, TAGGED for its tags.
NAMED, TAGGED = 1, 2
TITLE_FLAGS = {"name": NAMED, "category": NAMED, "tags": TAGGED}
ACCESSORY_ATTRIBUTES = frozenset({"accessory_type", "accessory"})
MAX_DISTANCE = 2  # typo corrections: distance 1 for stems under 8 letters, 2 from 8
_CORRECTIONS_KEPT = 4096  # typo corrections remembered per index; cleared when the vocabulary changes
EMPTY_DOCS = np.zeros(0, dtype=np.int64)


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
        self.post_docs: list[np.ndarray] = []
        self.post_weights: list[np.ndarray] = []
        self.post_title: list[np.ndarray] = []  # per posting: NAMED | TAGGED, or 0 for other fields
        self.accessory = np.zeros(0, dtype=bool)
        self.df = np.zeros(0, dtype=np.int64)  # live documents per term
        self.attribute_types: dict[str, str] = {}
        self.attribute_values: dict[str, dict[str, np.ndarray]] = {}
        self.attribute_numbers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._orders: dict[str, np.ndarray] = {}
        self.facet_columns: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
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
        accessory_stem = stem("accessories")
        self.accessory_categories = {
            cid
            for cid, chain in self.ancestors.items()
            if any(
                accessory_stem in stem_all(words(f"{self.categories[c].slug} {self.categories[c].name}")) for c in chain
            )
        }
        # Dense slots for category counting with bincount: slot 0 is "no category".
        self._category_slots: dict[int, int] = {}
        self.slot_categories: list[int] = [-1]

    def _category_slot(self, category_id: int | None) -> int:
        if category_id is None:
            return 0
        slot = self._category_slots.get(category_id)
        if slot is None:
            slot = self._category_slots[category_id] = len(self.slot_categories)
            self.slot_categories.append(category_id)
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

    def is_accessory(self, p: IndexedProduct) -> bool:
        """An accessory by its category (one whose path names accessories) or by an accessory attribute."""
        if p.category_id in self.accessory_categories:
            return True
        return any(key in ACCESSORY_ATTRIBUTES for key in p.attributes)

    def _term_weights(
        self, p: IndexedProduct, term_of_token: dict[str, int], title: dict[int, int]
    ) -> dict[int, float]:
        """The product's terms with their field-weighted counts; `title` collects where its title terms sit."""
        weights: dict[int, float] = defaultdict(float)
        for fname, tokens in self._fields(p).items():
            w = FIELD_WEIGHTS[fname]
            flag = TITLE_FLAGS.get(fname, 0)
            for token in tokens:
                term = term_of_token.get(token)
                if term is None:
                    s = stem(token)
                    term = self._term_ids.get(s)
                    if term is None:
                        term = self._term_ids[s] = len(self.vocab)
                        self.vocab.append(s)
                        self.surface[s] = token
                    term_of_token[token] = term
                weights[term] += w
                if flag:
                    title[term] = title.get(term, 0) | flag
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
        self.facet_columns.clear()
        self._corrections_cache.clear()

    def prepare(self) -> None:
        """Compute the kept orders now (a build does this off the event loop) rather than on the first query."""
        for sort in ("name", "price_asc", "price_desc", "newest"):
            self.order(sort)
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
        self.accessory = cat(self.accessory, [self.is_accessory(p) for p in new], bool)
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
        flat_title: array[int] = array("b")
        lengths = np.zeros(len(new))
        for k, p in enumerate(new):
            title: dict[int, int] = {}
            weights = self._term_weights(p, term_of_token, title)
            lengths[k] = sum(weights.values())
            flat_terms.extend(weights.keys())
            flat_docs.extend([start + k] * len(weights))
            flat_weights.extend(weights.values())
            flat_title.extend([title.get(t, 0) for t in weights])
        self.lengths = np.concatenate([self.lengths, lengths])
        n_terms = len(self.vocab)
        grown = n_terms - len(self.post_docs)
        self.post_docs.extend([EMPTY_DOCS] * grown)
        self.post_weights.extend([np.zeros(0)] * grown)
        self.post_title.extend([np.zeros(0, dtype=np.int8)] * grown)
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
        titles = np.frombuffer(flat_title, dtype=np.int8)[order]
        present, first = np.unique(terms_sorted, return_index=True)
        bounds = [*first.tolist(), len(terms_sorted)]
        fresh = start == 0
        for j, t in enumerate(present.tolist()):
            d, w = docs[bounds[j] : bounds[j + 1]], values[bounds[j] : bounds[j + 1]]
            ti = titles[bounds[j] : bounds[j + 1]]
            if fresh:
                self.post_docs[t], self.post_weights[t], self.post_title[t] = d, w, ti
            else:  # new positions are above every old one, so the postings stay sorted
                self.post_docs[t] = np.concatenate([self.post_docs[t], d])
                self.post_weights[t] = np.concatenate([self.post_weights[t], w])
                self.post_title[t] = np.concatenate([self.post_title[t], ti])
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
            old_d, old_x = self.attribute_numbers.get(key, (EMPTY_DOCS, np.zeros(0)))
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
        terms = list(self._term_weights(p, {}, {}))
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

    # -- the vocabulary and orders --------------------------------------------------------------------------

    def term(self, stem: str) -> int | None:
        t = self._term_ids.get(stem)
        return t if t is not None and self.df[t] > 0 else None

    def _terms_of_length(self, length: int) -> tuple[list[str], list[int]]:
        """Terms of one length that a correction can reach: the stems corrected are letters only, so a term with
        more digits than the largest distance (a SKU such as "g10452") is never within it."""
        if not self._by_length:
            self._add_to_lengths(range(len(self.vocab)))
        return self._by_length.get(length, ([], []))

    def _add_to_lengths(self, term_ids: Iterable[int]) -> None:
        for t in term_ids:
            term = self.vocab[t]
            if sum(c.isdigit() for c in term) <= MAX_DISTANCE:
                terms, ids = self._by_length.setdefault(len(term), ([], []))
                terms.append(term)
                ids.append(t)

    def corrections(self, stem: str) -> list[int]:
        """Catalog terms nearest to an unknown stem, as term ids: of the three nearest (earlier terms first on a
        tie), those at the least distance."""
        if len(stem) < 4 or not stem.isalpha():
            return []
        cached = self._corrections_cache.get(stem)
        if cached is not None:
            return cached
        max_distance = 1 if len(stem) < 8 else MAX_DISTANCE
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

    def has(self, term: int, doc: int) -> bool:
        docs = self.post_docs[term]
        j = int(np.searchsorted(docs, doc))
        return j < len(docs) and int(docs[j]) == doc

    def name_rank(self) -> np.ndarray:
        rank = self._orders.get("name_rank")
        if rank is None:
            by_name = self.order("name")
            rank = np.empty(self.slots, dtype=np.int64)
            rank[by_name] = np.arange(self.slots)
            self._orders["name_rank"] = rank
        return rank

    def order(self, sort: str) -> np.ndarray:
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
            rank = self.name_rank()
            price = self.price_min if sort == "price_asc" else -self.price_max
            order = np.lexsort((rank, price))
        self._orders[sort] = order
        return order
