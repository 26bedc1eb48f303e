"""Hybrid retrieval over one collection: BM25 over its chunks and Chroma's nearest neighbours, fused by score.

Candidates are the union of each ranker's top `depth`. Every candidate then gets *both* scores exactly: the
BM25 score comes from the in-memory index, and a passage only BM25 found gets its cosine from its stored vector.
So the fusion never has to guess a missing score, and a passage second in both lists beats one that is first in
one list and absent from the other only when its evidence is really stronger.

The lexical index is built per collection revision (the sources table's fingerprint, checked on every search),
like the catalog's snapshot: several replicas stay correct without talking to each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from salient_library.embeddings import Embedder
from salient_library.ingest import embedding_text
from salient_library.ranking import BM25, FIELD_WEIGHT, fuse
from salient_library.store import StoredChunk, VectorStore

Mode = Literal["hybrid", "lexical", "dense"]


@dataclass(frozen=True)
class Scored:
    chunk: StoredChunk
    score: float
    similarity: float | None
    lexical: float | None = None  # BM25 as a share of the query's ceiling, when the lexical side ran


@dataclass
class LexicalIndex:
    state: tuple[int, str]
    chunks: list[StoredChunk]
    bm25: BM25
    by_source: dict[str, set[int]]
    position: dict[str, int]

    @cached_property
    def chunk_by_id(self) -> dict[str, StoredChunk]:
        return {chunk.id: chunk for chunk in self.chunks}


class Retriever:
    def __init__(self, store: VectorStore, model: Embedder) -> None:
        self.store = store
        self.model = model
        self._lexical: dict[tuple[str, str], LexicalIndex] = {}
        self._building: dict[tuple[str, str], asyncio.Lock] = {}

    async def lexical_index(self, account: str, collection: str, state: tuple[int, str]) -> LexicalIndex:
        """The collection's BM25 index, rebuilt only when the sources table says the collection changed."""
        key = (account, collection)
        cached = self._lexical.get(key)
        if cached is not None and cached.state == state:
            return cached
        # One build per collection at a time: concurrent first searches wait for it instead of each building.
        async with self._building.setdefault(key, asyncio.Lock()):
            cached = self._lexical.get(key)
            if cached is not None and cached.state == state:
                return cached
            index = await asyncio.to_thread(self._build, account, collection, state)
            self._lexical[key] = index
            return index

    def _build(self, account: str, collection: str, state: tuple[int, str]) -> LexicalIndex:
        chunks = self.store.all_chunks(account, collection)
        texts = [c.text for c in chunks]
        # Title (with the front matter's aliases), heading and the page's description are fields: see `BM25`.
        fields = [
            embedding_text(
                str(c.metadata.get("title", "")),
                str(c.metadata.get("heading", "")),
                str(c.metadata.get("description", "")),
                aliases=str(c.metadata.get("aliases", "")),
            )
            for c in chunks
        ]
        by_source: dict[str, set[int]] = {}
        for position, chunk in enumerate(chunks):
            by_source.setdefault(str(chunk.metadata.get("source_id")), set()).add(position)
        position = {chunk.id: i for i, chunk in enumerate(chunks)}
        return LexicalIndex(state, chunks, BM25(texts, fields=fields, field_weight=FIELD_WEIGHT), by_source, position)

    async def search(
        self,
        account: str,
        collection: str,
        query: str,
        *,
        state: tuple[int, str],
        source_ids: Sequence[str] | None,
        top_k: int,
        mode: Mode = "hybrid",
    ) -> list[Scored]:
        """Passages best first (ties by chunk id), each with its score in 0..1 and cosine similarity."""
        depth = max(50, top_k * 3)
        by_id: dict[str, StoredChunk] = {}
        similarity: dict[str, float] = {}
        lexical: dict[str, float] = {}
        index: LexicalIndex | None = None
        bm25, ceiling = np.zeros(0, dtype=np.float32), 0.0
        if mode in ("hybrid", "lexical"):
            index = await self.lexical_index(account, collection, state)
            allowed = None
            if source_ids is not None:
                allowed = set().union(*(index.by_source.get(s, set()) for s in source_ids))
            bm25, ceiling = index.bm25.scores(query)
            for i, _ in index.bm25.search(query, allowed=allowed, limit=depth, scores=bm25):
                by_id[index.chunks[i].id] = index.chunks[i]
        if mode in ("hybrid", "dense"):
            # One hop to a worker thread for the whole dense side: embed, query, vectors of lexical-only hits.
            lexical_only = list(by_id) if mode == "hybrid" else []
            known = index.chunk_by_id if index is not None else None
            dense, stored = await asyncio.to_thread(
                self._dense, account, collection, query, depth, source_ids, lexical_only, known
            )
            for chunk, sim in dense:
                by_id[chunk.id] = chunk
                similarity[chunk.id] = sim
            for key, sim in stored.items():
                similarity.setdefault(key, sim)
        if index is not None:
            for key in by_id:
                at = index.position.get(key)
                lexical[key] = float(bm25[at]) / ceiling if at is not None and ceiling > 0 else 0.0
        scored: list[Scored] = []
        for key, chunk in by_id.items():
            if mode == "hybrid":
                score = fuse(similarity.get(key, 0.0), lexical.get(key, 0.0))
            elif mode == "lexical":
                score = min(1.0, lexical.get(key, 0.0))
            else:
                score = min(1.0, max(0.0, similarity.get(key, 0.0)))
            scored.append(Scored(chunk, score, similarity.get(key), lexical.get(key)))
        scored.sort(key=lambda s: (-s.score, s.chunk.id))
        return scored

    def _dense(
        self,
        account: str,
        collection: str,
        query: str,
        depth: int,
        source_ids: Sequence[str] | None,
        lexical_only: list[str],
        known: Mapping[str, StoredChunk] | None = None,
    ) -> tuple[list[tuple[StoredChunk, float]], dict[str, float]]:
        """The nearest chunks with their cosine, and the cosine of the given other chunks from their vectors."""
        vector = self.model.embed([query])[0]
        dense = self.store.query(account, collection, vector, n=depth, source_ids=source_ids, known=known)
        found = {chunk.id for chunk, _ in dense}
        missing = [key for key in lexical_only if key not in found]
        stored = self.store.embeddings(account, collection, missing)
        return dense, {key: float(np.dot(v, vector)) for key, v in stored.items()}
