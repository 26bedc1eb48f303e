"""The vector store: one Chroma collection per account and library collection, chunks keyed by source.

Chroma's client is synchronous; the service calls these methods in a worker thread. Every chunk's metadata
carries its account and source, and every read filters on the collection that belongs to the caller's account,
so one account's chunks never reach another's results.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import chromadb
import numpy as np
import numpy.typing as npt
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import NotFoundError

from salient_library.embeddings import MiniLM, MiniLMEmbeddingFunction

# Chroma refuses larger write batches; this stays well under its limit on every backend.
WRITE_BATCH = 1000


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


def collection_name(account: str, collection: str) -> str:
    """A valid Chroma name (3-512 chars of [a-zA-Z0-9._-]) that cannot collide across accounts."""
    digest = hashlib.sha256(f"{account}\0{collection}".encode()).hexdigest()[:32]
    return f"salient-lib-{digest}"


class VectorStore:
    """An embedded Chroma (`PersistentClient`) opened on first use."""

    def __init__(self, path: Path, model: MiniLM) -> None:
        self.path = path
        self.model = model
        self._client: ClientAPI | None = None
        self._lock = threading.Lock()

    def client(self) -> ClientAPI:
        with self._lock:
            if self._client is None:
                self.path.mkdir(parents=True, exist_ok=True)
                settings = Settings(anonymized_telemetry=False)
                self._client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            return self._client

    def _collection(self, account: str, collection: str, *, create: bool) -> Collection | None:
        name = collection_name(account, collection)
        # chromadb types the parameter as EmbeddingFunction[Embeddable]; a text-only function is what it calls.
        function: Any = MiniLMEmbeddingFunction(model=self.model)
        if create:
            return self.client().get_or_create_collection(
                name,
                embedding_function=function,
                metadata={"account": account, "collection": collection},
                configuration={"hnsw": {"space": "cosine"}},
            )
        try:
            return self.client().get_collection(name, embedding_function=function)
        except NotFoundError:
            return None

    def add_chunks(
        self,
        account: str,
        collection: str,
        source_id: str,
        generation: str,
        texts: Sequence[str],
        embeddings: npt.NDArray[np.float32],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Write one version (`generation`) of a source's chunks next to any older version."""
        target = self._collection(account, collection, create=True)
        assert target is not None
        for start in range(0, len(texts), WRITE_BATCH):
            end = min(start + WRITE_BATCH, len(texts))
            target.upsert(
                ids=[f"{source_id}:{generation}:{i}" for i in range(start, end)],
                documents=list(texts[start:end]),
                embeddings=embeddings[start:end],
                metadatas=cast(
                    Any, [{**m, "source_id": source_id, "generation": generation} for m in metadatas[start:end]]
                ),
            )

    def delete_chunks(
        self, account: str, collection: str, source_id: str, *, keep: str | None = None, only: str | None = None
    ) -> None:
        """Delete a source's chunks: all of them, all but generation `keep`, or only generation `only`."""
        target = self._collection(account, collection, create=False)
        if target is None:
            return
        where: Any = {"source_id": source_id}
        if keep is not None:
            where = {"$and": [where, {"generation": {"$ne": keep}}]}
        elif only is not None:
            where = {"$and": [where, {"generation": only}]}
        target.delete(where=where)

    def count(self, account: str, collection: str) -> int:
        target = self._collection(account, collection, create=False)
        return 0 if target is None else target.count()

    def all_chunks(self, account: str, collection: str) -> list[StoredChunk]:
        """Every chunk of the collection, for the lexical index."""
        target = self._collection(account, collection, create=False)
        if target is None:
            return []
        got = target.get(include=["documents", "metadatas"])
        documents = got["documents"] or []
        metadatas = got["metadatas"] or []
        return [StoredChunk(i, d, dict(m)) for i, d, m in zip(got["ids"], documents, metadatas, strict=True)]

    def query(
        self,
        account: str,
        collection: str,
        embedding: npt.NDArray[np.float32],
        *,
        n: int,
        source_ids: Sequence[str] | None,
    ) -> list[tuple[StoredChunk, float]]:
        """The `n` nearest chunks with their cosine similarity, best first."""
        target = self._collection(account, collection, create=False)
        if target is None or n <= 0:
            return []
        where: Any = {"source_id": {"$in": list(source_ids)}} if source_ids is not None else None
        if source_ids is not None and not source_ids:
            return []
        found = target.query(
            query_embeddings=embedding[np.newaxis, :],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        ids = found["ids"][0]
        documents = (found["documents"] or [[]])[0]
        metadatas = (found["metadatas"] or [[]])[0]
        distances = (found["distances"] or [[]])[0]
        return [
            (StoredChunk(i, d, dict(m)), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, documents, metadatas, distances, strict=True)
        ]
