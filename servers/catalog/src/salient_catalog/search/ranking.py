"""Ranking a query against the index: what the words mean (synonyms, typo corrections), BM25 with coverage.

A query word becomes a group of alternatives (the word's own term, or its nearest corrections at a lower weight);
a document scores the best alternative of each group, and the sum is scaled by how many groups it matched, so a
product matching every word outranks one that matches a single word many times. A query that is a SKU or a
product handle returns that product alone.

What a product is counts over what its description mentions: query words found in a product's name, category
path or tags raise its score, and accessories rank under the product type a query names. A query names a type when
some product that is not an accessory matches as many of its words in its name and category path as the best
accessory matches in its name, category path and tags ("wheelchair": the wheelchairs come before the cushions); a
query that names the accessory itself ("wheelchair cushion") matches the accessory on more words, so accessories
keep their place. A product's tags do not count on its side: they describe features ("lanyard-included"), not
what it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from salient_catalog.schemas import Sort
from salient_catalog.search.documents import Filters, Ranked
from salient_catalog.search.filters import filter_mask
from salient_catalog.search.index import K1, NAMED, SearchIndex
from salient_catalog.search.text import STOPWORDS, stem, stem_all, words

FUZZY_WEIGHT = 0.8
TITLE_BOOST = 0.5  # a product whose name, category path or tags hold every query word scores up to this much more
ACCESSORY_WEIGHT = 0.5  # an accessory's score when the query names a product type rather than the accessory


@dataclass
class Group:
    """One query word and its alternatives (typo corrections); a document scores its best alternative."""

    label: str
    alternatives: list[tuple[int, float]]


def interpret(index: SearchIndex, query: str) -> tuple[list[Group], list[str]]:
    tokens = words(query)
    stems = stem_all(tokens)
    used = [False] * len(tokens)
    notes: list[str] = []
    groups: list[Group] = []
    # Synonyms match on stems, so "bp monitors" meets the synonym "bp monitor"; longest terms first.
    for term_stems, term, expansion in index.synonyms:
        n = len(term_stems)
        for start in range(len(stems) - n + 1):
            if tuple(stems[start : start + n]) == term_stems and not any(used[start : start + n]):
                used[start : start + n] = [True] * n
                notes.append(f"{term!r} also means {expansion!r}")
                for w in words(expansion):
                    if w not in STOPWORDS:
                        t = index.term(stem(w))
                        groups.append(Group(w, [(t, 1.0)] if t is not None else []))
    for w, word_stem, consumed in zip(tokens, stems, used, strict=True):
        if consumed or w in STOPWORDS:
            continue
        t = index.term(word_stem)
        if t is not None:
            groups.append(Group(w, [(t, 1.0)]))
            continue
        fixes = index.corrections(word_stem)
        if fixes:
            notes.append(f"{w!r} read as {', '.join(repr(index.surface[index.vocab[f]]) for f in fixes)}")
            groups.append(Group(w, [(f, FUZZY_WEIGHT) for f in fixes]))
        else:
            groups.append(Group(w, []))
    seen: set[str] = set()
    unique = []
    for g in groups:
        key = "|".join(str(t) for t, _ in g.alternatives) or g.label
        if key not in seen:
            seen.add(key)
            unique.append(g)
    return unique, notes


def search(index: SearchIndex, query: str, filters: Filters, sort: Sort, *, offset: int = 0, limit: int = 10) -> Ranked:
    mask = filter_mask(index, filters)
    exact = index.by_ref.get(query.strip().lower()) if query.strip() else None
    groups, notes = ([], []) if exact is not None else interpret(index, query)
    scores = np.zeros(index.slots)
    text_matches = index.size
    if groups or exact is not None:
        hits = np.zeros(index.slots, dtype=np.int32)
        title_hits = np.zeros(index.slots, dtype=np.int32)  # query words in the name, category path or tags
        named_hits = np.zeros(index.slots, dtype=np.int32)  # query words in the name or category path
        n = index.size
        for g in groups:
            best = np.zeros(index.slots)
            in_title = np.zeros(index.slots, dtype=bool)
            in_name = np.zeros(index.slots, dtype=bool)
            for term, weight in g.alternatives:
                docs, w = index.post_docs[term], index.post_weights[term]
                df = int(index.df[term])
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                contribution = weight * idf * w * (K1 + 1) / (w + index.norm[docs])
                best[docs] = np.maximum(best[docs], contribution)
                flags = index.post_title[term]
                in_title[docs[flags != 0]] = True
                in_name[docs[(flags & NAMED) != 0]] = True
            scores += best
            hits += best > 0
            title_hits += in_title
            named_hits += in_name
        if groups:
            coverage = hits / len(groups)
            scores *= (0.4 + 0.6 * coverage) * (1 + TITLE_BOOST * title_hits / len(groups))
            _demote_accessories(index, scores, named_hits, title_hits, mask)
        if exact is not None:  # the query is a SKU or a product id: that product, and only it
            scores[exact] = 1.0
        text = (scores > 0) & index.alive
        text_matches = int(text.sum())
        mask &= text
    ranked_by_score = sort == "relevance" and (bool(groups) or exact is not None)
    if ranked_by_score:
        page, total = top(index, mask, scores, offset + limit)
    else:
        order = index.order("name" if sort == "relevance" else sort)
        selected = order[mask[order]]
        total = len(selected)
        page = selected[: offset + limit]
    page_list = [int(i) for i in page[offset:]]
    matched: dict[int, list[str]] = {}
    if groups:
        for i in page_list:
            matched[i] = [index.surface[index.vocab[t]] for g in groups for t, _ in g.alternatives if index.has(t, i)]
    return Ranked(page_list, total, scores, matched, notes, text_matches, mask)


def _demote_accessories(
    index: SearchIndex, scores: np.ndarray, named_hits: np.ndarray, title_hits: np.ndarray, mask: np.ndarray
) -> None:
    """Lower the accessories' scores when the query names a product type rather than an accessory: when some
    product that is not an accessory matches at least as many query words in its name and category path as any
    accessory does in its name, category path and tags."""
    matched = (scores > 0) & mask & index.alive
    accessories = matched & index.accessory
    if not accessories.any():
        return
    products = matched & ~index.accessory
    best_product = int(named_hits[products].max()) if products.any() else 0
    if best_product > 0 and best_product >= int(title_hits[accessories].max()):
        scores[index.accessory] *= ACCESSORY_WEIGHT


def top(index: SearchIndex, mask: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """The first k matching positions by score, then name, then product id; and how many match."""
    positions = np.flatnonzero(mask)
    total = len(positions)
    if total > k > 0:
        values = scores[positions]
        threshold = np.partition(values, total - k)[total - k]  # the k-th highest score
        positions = positions[values >= threshold]  # every tie at the threshold stays in
    rank = index.name_rank()
    order = np.lexsort((rank[positions], -scores[positions]))
    return positions[order][:k], total
