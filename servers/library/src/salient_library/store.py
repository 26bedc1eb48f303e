"""The vector store: one Chroma collection per account and library collection, chunks keyed by source.

Chroma runs embedded (`PersistentClient`, the default) or as a server (`HttpClient`, when the `chroma` setting
is a URL); both are driven through the same calls. The library embeds texts itself and hands Chroma vectors,
so a collection records which embedder made them (`embedder` in its metadata) and refuses to mix in another's.

Chroma's client is synchronous; the service calls these methods in a worker thread. Every chunk's metadata
carries its account and source, and every read goes to the collection that belongs to the caller's account,
so one account's chunks never reach another's results.

chromadb (with its telemetry, gRPC and protobuf stack) is imported when the store is first opened, not when the
server starts: a client's `initialize` and `tools/list` never need it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import httpx
import numpy as np
import numpy.typing as npt

from salient_library.embeddings import MINILM_IDENTITY
from salient_library.errors import EmbedderMismatch
from salient_library.settings import LibrarySettings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.config import Settings

# Chroma refuses larger write batches; this stays well under its limit on every backend.
WRITE_BATCH = 1000
READ_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


def collection_name(account: str, collection: str) -> str:
    """A valid Chroma name (3-512 chars of [a-zA-Z0-9._-]) that cannot collide across accounts."""
    digest = hashlib.sha256(f"{account}\0{collection}".encode()).hexdigest()[:32]
    return f"salient-lib-{digest}"


def chroma_settings(settings: LibrarySettings) -> Settings:
    from chromadb.config import Settings  # chromadb on first use: see the module docstring

    url = settings.chroma_url()
    if url is None:
        return Settings(anonymized_telemetry=False, is_persistent=True, persist_directory=str(settings.chroma_dir()))
    parts = urlsplit(url)
    ssl = parts.scheme == "https"
    headers = {"Authorization": f"Bearer {settings.chroma_token.get_secret_value()}"} if settings.chroma_token else None
    return Settings(
        anonymized_telemetry=False,
        chroma_api_impl="chromadb.api.fastapi.FastAPI",
        chroma_server_host=parts.hostname,
        chroma_server_http_port=parts.port or (443 if ssl else 80),
        chroma_server_ssl_enabled=ssl,
        chroma_server_headers=headers,
    )


def _http_sessions(client: object) -> list[httpx.Client]:
    """The httpx session behind a chromadb client talking to a server (none for an embedded one)."""
    session = getattr(getattr(client, "_server", None), "_session", None)
    return [session] if isinstance(session, httpx.Client) else []


class VectorStore:
    """Chroma, opened on first use: embedded under a directory, or a server by URL."""

    def __init__(self, settings: LibrarySettings, embedder_identity: str) -> None:
        self.settings = settings
        self.embedder_identity = embedder_identity
        self._client: ClientAPI | None = None
        self._collections: dict[str, Collection] = {}
        self._sessions: list[httpx.Client] = []
        self._lock = threading.Lock()

    def describe(self) -> str:
        return self.settings.chroma_url() or str(self.settings.chroma_dir())

    def client(self) -> ClientAPI:
        with self._lock:
            if self._client is None:
                self._client = self._open()
                self._sessions.extend(_http_sessions(self._client))
                self._sessions.extend(_http_sessions(getattr(self._client, "_admin_client", None)))
            return self._client

    def _open(self) -> ClientAPI:
        import chromadb  # on first use: see the module docstring
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.errors import NotFoundError

        settings = self.settings
        config = chroma_settings(settings)
        tenant, database = settings.chroma_tenant, settings.chroma_database
        if settings.chroma_url() is None:
            settings.chroma_dir().mkdir(parents=True, exist_ok=True)
        admin = chromadb.AdminClient(config)
        try:
            try:
                admin.get_database(database, tenant=tenant)
            except NotFoundError:
                admin.create_database(database, tenant=tenant)
            if settings.chroma_url() is None:
                return chromadb.PersistentClient(
                    path=str(settings.chroma_dir()), settings=config, tenant=tenant, database=database
                )
            return chromadb.HttpClient(
                host=config.chroma_server_host or "localhost",
                port=config.chroma_server_http_port or 8000,
                ssl=bool(config.chroma_server_ssl_enabled),
                headers=config.chroma_server_headers,
                settings=config,
                tenant=tenant,
                database=database,
            )
        finally:
            # An AdminClient holds a reference on chromadb's shared System but has no close(); drop it once the
            # real client holds its own, so closing that client can stop the System.
            identifier: str = getattr(admin, "_identifier")  # noqa: B009 - private to chromadb, typed away
            SharedSystemClient._release_system(identifier)  # pyright: ignore[reportPrivateUsage]
            self._sessions.extend(_http_sessions(admin))

    def close(self) -> None:
        """Release the Chroma client: files of an embedded store, sockets of a server's HTTP sessions."""
        with self._lock:
            client, self._client = self._client, None
            sessions, self._sessions = self._sessions, []
            self._collections.clear()
        if client is not None:
            # chromadb's ClientAPI protocol lacks close(), which its Client class has.
            closing = getattr(client, "close", None)
            if callable(closing):
                closing()
        # Closing a chromadb client releases its System but leaves the HTTP API's httpx session (and its kept-alive
        # sockets) open. Each HttpClient gets Systems of its own, so these sessions are this store's to close.
        for session in sessions:
            session.close()

    def _collection(self, account: str, collection: str, *, create: bool) -> Collection | None:
        name = collection_name(account, collection)
        with self._lock:
            cached = self._collections.get(name)
        if cached is not None:
            return cached
        if create:
            # No embedding function: the library always passes vectors, so Chroma never embeds on its own.
            found = self.client().get_or_create_collection(
                name,
                embedding_function=None,
                metadata={"account": account, "collection": collection, "embedder": self.embedder_identity},
                configuration={"hnsw": {"space": "cosine"}},
            )
        else:
            from chromadb.errors import NotFoundError  # loaded by client() already

            try:
                found = self.client().get_collection(name)
            except NotFoundError:
                return None
        # Collections written before the embedder was recorded were all made by MiniLM.
        stored = str((found.metadata or {}).get("embedder", MINILM_IDENTITY))
        if stored != self.embedder_identity:
            raise EmbedderMismatch(collection, stored, self.embedder_identity)
        with self._lock:
            self._collections[name] = found
        return found

    def check(self, account: str, collection: str) -> None:
        """Raise `EmbedderMismatch` before any work when the collection was embedded by another model."""
        self._collection(account, collection, create=False)

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
        """Every chunk of the collection, for the lexical index; read in pages to bound each response."""
        target = self._collection(account, collection, create=False)
        if target is None:
            return []
        out: list[StoredChunk] = []
        offset = 0
        while True:
            got = target.get(include=["documents", "metadatas"], limit=READ_PAGE, offset=offset)
            documents = got["documents"] or []
            metadatas = got["metadatas"] or []
            out.extend(StoredChunk(i, d, dict(m)) for i, d, m in zip(got["ids"], documents, metadatas, strict=True))
            if len(got["ids"]) < READ_PAGE:
                return out
            offset += READ_PAGE

    def embeddings(self, account: str, collection: str, ids: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """Stored vectors of the chunks named, so a lexical-only candidate gets its exact dense similarity."""
        target = self._collection(account, collection, create=False)
        if target is None or not ids:
            return {}
        got = target.get(ids=list(ids), include=["embeddings"])
        vectors = got["embeddings"]
        if vectors is None:
            return {}
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], vectors, strict=True)}

    def query(
        self,
        account: str,
        collection: str,
        embedding: npt.NDArray[np.float32],
        *,
        n: int,
        source_ids: Sequence[str] | None,
        known: Mapping[str, StoredChunk] | None = None,
    ) -> list[tuple[StoredChunk, float]]:
        """The `n` nearest chunks with their cosine similarity, best first.

        Chunks found in `known` (the lexical index's, in memory) are taken from there: asking Chroma for ids and
        distances alone costs less than half as much as reading each hit's text and metadata back too.
        """
        target = self._collection(account, collection, create=False)
        if target is None or n <= 0:
            return []
        if source_ids is not None and not source_ids:
            return []
        where: Any = {"source_id": {"$in": list(source_ids)}} if source_ids is not None else None
        include: Any = ["distances"] if known is not None else ["documents", "metadatas", "distances"]
        found = target.query(query_embeddings=embedding[np.newaxis, :], n_results=n, where=where, include=include)
        ids = found["ids"][0]
        distances = (found["distances"] or [[]])[0]
        if known is None:
            documents = (found["documents"] or [[]])[0]
            metadatas = (found["metadatas"] or [[]])[0]
            chunks = {i: StoredChunk(i, d, dict(m)) for i, d, m in zip(ids, documents, metadatas, strict=True)}
        else:
            # A chunk written after the index was built (a concurrent ingest) is read from Chroma; one deleted
            # since the query is left out.
            chunks = {chunk.id: chunk for chunk in self.chunks(target, [i for i in ids if i not in known])}
            chunks.update((i, known[i]) for i in ids if i in known)
        return [(chunks[i], 1.0 - float(dist)) for i, dist in zip(ids, distances, strict=True) if i in chunks]

    @staticmethod
    def chunks(target: Any, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        got = target.get(ids=list(ids), include=["documents", "metadatas"])
        documents, metadatas = got["documents"] or [], got["metadatas"] or []
        return [StoredChunk(i, d, dict(m)) for i, d, m in zip(got["ids"], documents, metadatas, strict=True)]
