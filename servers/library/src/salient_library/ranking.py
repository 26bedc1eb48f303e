"""Lexical ranking (Okapi BM25) over a collection's chunks, and the fusion of lexical and dense evidence.

BM25 finds exact words a sentence embedding blurs (SKUs, model names, error codes, "HSA"); the embedding finds
paraphrases BM25 cannot ("send it back" for "returns"). Fusion is a convex combination of the two scores, each
on a scale that means the same thing for every query (see `fuse` and docs/adr/0007):

- dense: the cosine similarity of query and passage, clipped to 0..1;
- lexical: the passage's BM25 score divided by the most any passage could score for this query (every query
  term matched, term frequency saturated), i.e. the IDF-weighted share of the query the passage covers.

The index keeps, per term, numpy arrays of the documents holding it and their BM25 term weights, so a query
costs a few vector additions over the collection rather than a Python loop over postings.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in"}
    | {"is", "it", "my", "of", "on", "or", "our", "that", "the", "this", "to", "was", "what", "when", "where"}
    | {"which", "who", "will", "with", "you", "your"}
)
# Weight of the dense similarity in the fused score; the lexical share gets the rest. Chosen on the development
# half of the evaluation set only (bench/library_eval.py --tune), see docs/adr/0007.
DENSE_WEIGHT = 0.65
# How much a literal (see `literals`) counts against a term of the same rarity.
LITERAL_WEIGHT = 1.0
MAX_LITERALS = 3
QUOTED = re.compile(r'"([^"]+)"')
EDGE_PUNCTUATION = "?!,;:\"'()"
# How many times a word of a passage's title or heading counts (see `BM25`); chosen on the development half of
# bench/library_help_eval.py, see bench/README.md.
FIELD_WEIGHT = 1.0


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    # A light plural/verb-ending strip: enough for "returns" to meet "return" without a stemmer dependency.
    if any(c.isdigit() for c in word):
        return word  # codes and model numbers are matched exactly: "e3s" is not "e3"
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def literals(query: str) -> list[str]:
    """The parts of a query to match character for character, lowercased: a "quoted phrase", and any word
    that is not plain prose: with symbols inside (`publish.css`, `{{title}}`, `obsidian://open`, `%%`,
    `[!warning]`), with digits (`AES-256`, `E2`) or in capitals (`CNAME`, `HSA`). Tokenising loses exactly what
    makes these exact: the symbols, the case that marks an acronym, the adjacency of a code's parts."""
    found = [phrase.strip().lower() for phrase in QUOTED.findall(query) if len(phrase.strip()) >= 2]
    for word in query.split():
        word = word.strip(EDGE_PUNCTUATION).rstrip(".")
        if len(word) < 2 or word.lower() in found:
            continue
        bare = word.replace("'", "")
        if not bare.isalpha() or (word.isupper() and len(word) >= 2) or any(c.isdigit() for c in word):
            found.append(word.lower())
    return found


def tokens(text: str) -> list[str]:
    """Lowercased words without stopwords, lightly stemmed; a code like "bw-wc-aeroli-18" or "2.5" is kept
    whole and also split into its parts, so both the exact code and its pieces match."""
    out: list[str] = []
    for word in TOKEN.findall(text.lower()):
        if word in STOPWORDS:
            continue
        out.append(_stem(word))
        if "-" in word or "." in word:
            out.extend(_stem(part) for part in re.split(r"[-.]", word) if part and part not in STOPWORDS)
    return out


class BM25:
    """An in-memory BM25 index over a list of texts (k1=1.5, b=0.75; k1 chosen on the dev half of
    bench/library_help_eval.py, where 1.5 and 2 beat 1.2).

    `fields` (one per text, e.g. a passage's title and heading) are words that say what the whole text is
    about: each of their terms counts `field_weight` times in the text's term frequency (BM25F in its simplest
    form), so a passage under the heading "Version history" outranks one that mentions history in passing.
    The length normalisation counts them once, so a long title does not make its passages look long.
    """

    def __init__(
        self,
        texts: Sequence[str],
        *,
        fields: Sequence[str] | None = None,
        field_weight: float = 1.0,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        self.k1, self.b = k1, b
        counts: list[dict[str, float]] = []
        lengths_list: list[int] = []
        for n, text in enumerate(texts):
            counter: dict[str, float] = dict(Counter(tokens(text)))
            length = sum(counter.values())
            if fields is not None:
                named = Counter(tokens(fields[n]))
                length += sum(named.values())
                for term, tf in named.items():
                    counter[term] = counter.get(term, 0.0) + tf * field_weight
            counts.append(counter)
            lengths_list.append(int(length))
        lengths = np.array(lengths_list, dtype=np.float32)
        # For literal matching (see `literals`): the texts as they are, lowercased, searched only when a query
        # carries a literal.
        self.lowered = [text.lower() for text in texts]
        self.size = len(counts)
        average = float(lengths.mean()) if self.size else 0.0
        norm = k1 * (1 - b + b * lengths / (average or 1.0))
        docs: dict[str, list[int]] = {}
        freqs: dict[str, list[float]] = {}
        for doc, counter in enumerate(counts):
            for term, tf in counter.items():
                docs.setdefault(term, []).append(doc)
                freqs.setdefault(term, []).append(tf)
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = {}
        for term, ids in docs.items():
            where = np.array(ids, dtype=np.int32)
            tf = np.array(freqs[term], dtype=np.float32)
            idf = math.log(1 + (self.size - len(ids) + 0.5) / (len(ids) + 0.5))
            self.idf[term] = idf
            self.postings[term] = (where, (idf * tf * (k1 + 1) / (tf + norm[where])).astype(np.float32))

    def scores(self, query: str) -> tuple[npt.NDArray[np.float32], float]:
        """Every document's BM25 score for `query`, and the most a document could score: every query term
        matched with saturated frequency. A term no passage has counts in the ceiling at the highest IDF, so a
        query that is mostly words the collection lacks (a paraphrase) gives small lexical shares everywhere."""
        out = np.zeros(self.size, dtype=np.float32)
        ceiling = 0.0
        unseen = math.log(1 + (self.size + 0.5) / 0.5)
        for term in set(tokens(query)):
            posting = self.postings.get(term)
            ceiling += (self.idf[term] if posting is not None else unseen) * (self.k1 + 1)
            if posting is not None:
                where, weights = posting
                out[where] += weights
        # Each literal scans every text (about 10 ms at 20,000 passages), so a query's first few only.
        for literal in literals(query)[:MAX_LITERALS]:
            # A literal is one more query term, matched as a substring and weighted by its own rarity.
            # Word edges count: "e2" is not inside "e2e"; the substring test first keeps the regex off most texts.
            edges = re.compile(
                ("(?<![a-z0-9])" if literal[0].isalnum() else "")
                + re.escape(literal)
                + ("(?![a-z0-9])" if literal[-1].isalnum() else "")
            )
            where = np.array(
                [i for i, text in enumerate(self.lowered) if literal in text and edges.search(text)], dtype=np.int32
            )
            weight = math.log(1 + (self.size - len(where) + 0.5) / (len(where) + 0.5)) * (self.k1 + 1)
            ceiling += weight * LITERAL_WEIGHT
            out[where] += weight * LITERAL_WEIGHT
        return out, ceiling

    def search(
        self,
        query: str,
        *,
        allowed: set[int] | None = None,
        limit: int = 50,
        scores: npt.NDArray[np.float32] | None = None,
    ) -> list[tuple[int, float]]:
        """(document index, score) pairs with a score above zero, best first (ties by index).

        `scores`: the query's `scores()` when the caller has them already.
        """
        if scores is None:
            scores, _ = self.scores(query)
        if allowed is not None:
            mask = np.zeros(self.size, dtype=bool)
            mask[list(allowed)] = True
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > limit:
            hits = hits[np.argpartition(-scores[hits], limit - 1)[:limit]]
        return sorted(((int(i), float(scores[i])) for i in hits), key=lambda item: (-item[1], item[0]))


def fuse(similarity: float, lexical: float, *, dense_weight: float = DENSE_WEIGHT) -> float:
    """The fused relevance in 0..1 of one passage: `similarity` is its cosine to the query, `lexical` its BM25
    score as a share of the query's ceiling (0..1)."""
    return dense_weight * min(1.0, max(0.0, similarity)) + (1 - dense_weight) * min(1.0, max(0.0, lexical))
