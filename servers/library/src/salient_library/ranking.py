"""Lexical ranking (Okapi BM25) over a collection's chunks, and reciprocal rank fusion with the dense ranking.

BM25 finds exact words a sentence embedding blurs (SKUs, model names, "HSA"); the embedding finds paraphrases
BM25 cannot ("send it back" for "returns"). Reciprocal rank fusion combines the two by rank alone, so neither
score scale has to be calibrated against the other.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "if", "in"}
    | {"is", "it", "my", "of", "on", "or", "our", "that", "the", "this", "to", "was", "what", "when", "where"}
    | {"which", "who", "will", "with", "you", "your"}
)
RRF_K = 60


def _stem(word: str) -> str:
    # A light plural/verb-ending strip: enough for "returns" to meet "return" without a stemmer dependency.
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in TOKEN.findall(text.lower()):
        if word in STOPWORDS:
            continue
        out.append(_stem(word))
        if "-" in word:  # "bw-wc-aeroli" is also found by its parts
            out.extend(_stem(part) for part in word.split("-") if part and part not in STOPWORDS)
    return out


class BM25:
    """An in-memory BM25 index over a list of texts (k1=1.2, b=0.75)."""

    def __init__(self, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths: list[int] = []
        for doc, text in enumerate(texts):
            counts = Counter(tokens(text))
            self.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self.postings[term].append((doc, tf))
        self.size = len(self.lengths)
        self.average = (sum(self.lengths) / self.size) if self.size else 0.0

    def search(self, query: str, *, allowed: set[int] | None = None, limit: int = 50) -> list[tuple[int, float]]:
        """(document index, score) pairs, best first; only documents in `allowed` when given."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(tokens(query)):
            postings = self.postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (self.size - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                if allowed is not None and doc not in allowed:
                    continue
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[doc] / (self.average or 1))
                scores[doc] += idf * tf * (self.k1 + 1) / norm
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], *, k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse ranked id lists; scores are scaled so an id ranked first in every list scores 1.0."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, key in enumerate(ranking, 1):
            fused[key] += 1.0 / (k + rank)
    best = len(rankings) / (k + 1)
    return sorted(((key, score / best) for key, score in fused.items()), key=lambda item: (-item[1], item[0]))
