"""Writing a plan into the library: parse, chunk, embed, then store each source as one unit.

Per source, unchanged content (same SHA-256 of the bytes read or downloaded) is skipped before anything is
parsed or embedded: the collection's fingerprints are read in one query up front, so re-ingesting an unchanged
corpus costs a read and a hash per document. Changed content is written as a new generation of
chunks, the row is committed, and only then are the old chunks deleted; if the row cannot be committed the new
chunks are deleted again. A failure or a cancellation therefore never leaves a source half-replaced.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from salient_core.db import Database, utcnow
from salient_core.errors import InvalidInput

from salient_library import repository as repo
from salient_library.chunking import chunk_document
from salient_library.crawl import same_site
from salient_library.embeddings import Embedder
from salient_library.extract import parse
from salient_library.models import Source
from salient_library.schemas import IngestReport
from salient_library.settings import LibrarySettings
from salient_library.sources import Item, Plan, content_hash
from salient_library.store import VectorStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def embedding_text(title: str, heading: str, text: str, *, aliases: str = "") -> str:
    """What is embedded and indexed for a chunk: its text with the document title (and the other names front
    matter gives it) and heading for context."""
    named = f"{title} ({aliases})" if aliases else title
    return "\n".join(part for part in (named, heading, text) if part)


def alias_line(title: str, aliases: list[str]) -> str:
    """The page's other names as one metadata string (Chroma metadata holds scalars), without the title itself."""
    return ", ".join(a for a in aliases if a.casefold() != title.casefold())


class Ingestor:
    def __init__(self, db: Database, store: VectorStore, model: Embedder, settings: LibrarySettings) -> None:
        self.db = db
        self.store = store
        self.model = model
        self.settings = settings

    async def run(
        self, account: str, collection: str, plan: Plan, *, tags: list[str], progress: Progress | None = None
    ) -> IngestReport:
        report = IngestReport(problems=list(plan.problems))
        removing = bool(plan.scopes or plan.gone or plan.complete)
        total = len(plan.items) + (1 if removing else 0)
        await asyncio.to_thread(self.store.check, account, collection)
        async with self.db.session(account=account) as session:
            known = await repo.fingerprints(session, account, collection)
        seen: set[str] = set()
        for done, item in enumerate(plan.items):
            seen.add(item.origin)
            try:
                outcome, source_id = await self._one(account, collection, item, tags, known.get(item.origin))
            except InvalidInput as exc:
                report.problems.append(f"{item.origin}: {exc}")
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.source_ids.append(source_id)
            if progress:
                progress(done + 1, total)
        if removing:
            report.removed = await self._remove_gone(account, collection, plan, seen)
            if progress:
                progress(total, total)
        return report

    async def is_current(self, account: str, collection: str, plan: Plan, *, tags: list[str]) -> bool:
        """True when running `plan` would change nothing: the collection holds exactly the plan's documents, each
        ready, with the same content, tags and origin page. One query and the files' hashes; no Chroma, no model."""
        if plan.urls or plan.problems or plan.gone or plan.complete:
            return False
        async with self.db.session(account=account) as session:
            known = await repo.fingerprints(session, account, collection)
        if set(known) != {item.origin for item in plan.items}:
            return False
        for item in plan.items:
            existing = known[item.origin]
            data = item.data if item.data is not None else await asyncio.to_thread(item.read)
            if (
                existing.status != "ready"
                or existing.content_hash != content_hash(data)
                or sorted(existing.tags) != sorted(tags)
                or (item.via is not None and existing.via != item.via)
            ):
                return False
        return True

    async def _one(
        self, account: str, collection: str, item: Item, tags: list[str], existing: repo.Fingerprint | None
    ) -> tuple[str, str]:
        data = item.data if item.data is not None else await asyncio.to_thread(item.read)
        digest = content_hash(data)
        if existing is not None and existing.content_hash == digest and existing.status == "ready":
            if sorted(existing.tags) != sorted(tags) or (item.via is not None and existing.via != item.via):
                async with self.db.transaction(account=account) as session:
                    row = await repo.get(session, account, existing.id)
                    if row is not None:
                        row.tags = sorted(tags)
                        row.via = item.via if item.via is not None else row.via
            return "unchanged", existing.id
        document = await asyncio.to_thread(parse, data, item.kind, origin=item.origin, title=item.title)
        chunks = chunk_document(document, size=self.settings.chunk_chars, overlap=self.settings.chunk_overlap)
        aliases = alias_line(document.title, document.aliases)
        inputs = [embedding_text(document.title, c.heading, c.text, aliases=aliases) for c in chunks]
        vectors = await asyncio.to_thread(self.model.embed, inputs)
        source_id = existing.id if existing is not None else f"src_{uuid.uuid4().hex[:16]}"
        generation = digest[:16]
        metadatas: list[dict[str, Any]] = []
        for chunk in chunks:
            meta: dict[str, Any] = {
                "account": account,
                "title": document.title,
                "origin": item.origin,
                "heading": chunk.heading,
                "chunk": chunk.index,
                "start": chunk.start,
            }
            if item.url:
                meta["url"] = item.url
            if aliases:
                meta["aliases"] = aliases
            if document.tags:
                meta["page_tags"] = ", ".join(document.tags)
            if document.description:
                meta["description"] = document.description
            if chunk.page is not None:
                meta["page"] = chunk.page
            metadatas.append(meta)
        fields = {
            "origin": item.origin,
            "url": item.url,
            "kind": document.kind,
            "title": document.title[:500],
            "content_hash": digest,
            "status": "ready",
            "tags": sorted(tags),
            "text": document.text,
            "chunk_count": len(chunks),
            "via": item.via,
        }
        # Shielded: once chunks start to be written, a cancelled job still finishes this one source cleanly.
        await asyncio.shield(
            self._write(
                account, collection, source_id, generation, [c.text for c in chunks], vectors, metadatas, fields
            )
        )
        return ("updated" if existing is not None else "added"), source_id

    async def _write(
        self,
        account: str,
        collection: str,
        source_id: str,
        generation: str,
        texts: list[str],
        vectors: Any,
        metadatas: list[dict[str, Any]],
        fields: dict[str, Any],
    ) -> None:
        store = self.store
        await asyncio.to_thread(store.add_chunks, account, collection, source_id, generation, texts, vectors, metadatas)
        try:
            async with self.db.transaction(account=account) as session:
                row = await repo.get(session, account, source_id)
                if row is None:
                    session.add(Source(id=source_id, account_id=account, collection=collection, **fields))
                else:
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.updated_at = utcnow()
        except BaseException:
            await asyncio.to_thread(store.delete_chunks, account, collection, source_id, only=generation)
            raise
        await asyncio.to_thread(store.delete_chunks, account, collection, source_id, keep=generation)

    async def _remove_gone(self, account: str, collection: str, plan: Plan, seen: set[str]) -> int:
        async with self.db.session(account=account) as session:
            sources = await repo.list_in_collection(session, account, collection)
        gone, complete = set(plan.gone), set(plan.complete)
        # A same-site crawl says nothing of other sites' pages an earlier crawl (any domain) took.
        same_site_only = plan.crawl is not None and plan.crawl.same_domain
        doomed = [
            source_id
            for source_id, origin, via in sources
            if origin not in seen
            and (
                origin in gone
                or (via is not None and via in complete and (not same_site_only or same_site(origin, via)))
                or any(origin.startswith(scope.rstrip("/") + "/") for scope in plan.scopes)
            )
        ]
        for source_id in doomed:
            await asyncio.shield(self.remove(account, collection, source_id))
        return len(doomed)

    async def remove(self, account: str, collection: str, source_id: str) -> None:
        async with self.db.transaction(account=account) as session:
            row = await repo.get(session, account, source_id)
            if row is not None:
                await session.delete(row)
        await asyncio.to_thread(self.store.delete_chunks, account, collection, source_id)
