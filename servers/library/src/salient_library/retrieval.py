"""Hybrid retrieval over one collection: BM25 over its chunks and Chroma's nearest neighbours, fused by rank."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from salient_library.embeddings import MiniLM
from salient_library.ingest import embedding_text
from salient_library.ranking import BM25, reciprocal_rank_fusion
from salient_library.store import StoredChunk, VectorStore

Mode = Literal["hybrid", "lexical", "dense"]


@dataclass(frozen=True)
class Scored:
    chunk: StoredChunk
    score: float
    similarity: float | None


@dataclass
class LexicalIndex:
    state: tuple[int, str]
    chunks: list[StoredChunk]
    bm25: BM25
    by_source: dict[str, set[int]]


class Retriever:
    def __init__(self, store: VectorStore, model: MiniLM) -> None:
        self.store = store
        self.model = model
        self._lexical: dict[tuple[str, str], LexicalIndex] = {}

    async def lexical_index(self, account: str, collection: str, state: tuple[int, str]) -> LexicalIndex:
        """The collection's BM25 index, rebuilt only when the sources table says the collection changed."""
        key = (account, collection)
        cached = self._lexical.get(key)
        if cached is not None and cached.state == state:
            return cached
        chunks = await asyncio.to_thread(self.store.all_chunks, account, collection)
        texts = [
            embedding_text(str(c.metadata.get("title", "")), str(c.metadata.get("heading", "")), c.text) for c in chunks
        ]
        bm25 = await asyncio.to_thread(BM25, texts)
        by_source: dict[str, set[int]] = {}
        for position, chunk in enumerate(chunks):
            by_source.setdefault(str(chunk.metadata.get("source_id")), set()).add(position)
        index = self._lexical[key] = LexicalIndex(state, chunks, bm25, by_source)
        return index

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
        depth = max(50, top_k * 3)
        by_id: dict[str, StoredChunk] = {}
        similarity: dict[str, float] = {}
        rankings: list[list[str]] = []
        if mode in ("hybrid", "lexical"):
            index = await self.lexical_index(account, collection, state)
            allowed = None
            if source_ids is not None:
                allowed = set().union(*(index.by_source.get(s, set()) for s in source_ids))
            lexical = index.bm25.search(query, allowed=allowed, limit=depth)
            rankings.append([index.chunks[i].id for i, _ in lexical])
            by_id.update((index.chunks[i].id, index.chunks[i]) for i, _ in lexical)
        if mode in ("hybrid", "dense"):
            vector = (await asyncio.to_thread(self.model.embed, [query]))[0]
            dense = await asyncio.to_thread(
                self.store.query, account, collection, vector, n=depth, source_ids=source_ids
            )
            rankings.append([chunk.id for chunk, _ in dense])
            for chunk, sim in dense:
                by_id[chunk.id] = chunk
                similarity[chunk.id] = sim
        fused = reciprocal_rank_fusion(rankings)
        return [Scored(by_id[key], score, similarity.get(key)) for key, score in fused]
