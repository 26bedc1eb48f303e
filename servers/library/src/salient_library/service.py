"""The library's operations, below the MCP layer: each takes the caller's account first."""

from __future__ import annotations

import asyncio
import logging

from salient_core.db import Database
from salient_core.errors import InvalidInput
from salient_core.pagination import PageRequest

from salient_library import repository as repo
from salient_library.crawl import Crawler, CrawlLimits
from salient_library.embeddings import Embedder, MiniLM, find_model_dir
from salient_library.errors import FetchFailed, UnknownCollection, UnknownSource
from salient_library.ingest import Ingestor, Progress
from salient_library.jobs import Jobs
from salient_library.models import Source
from salient_library.openai_embeddings import OpenAIEmbedder
from salient_library.retrieval import Mode, Retriever, Scored
from salient_library.schemas import (
    Citation,
    CollectionList,
    CollectionOut,
    Deletion,
    Hit,
    IngestReport,
    Job,
    SearchResult,
    SourceOut,
    SourcePage,
    SourceText,
)
from salient_library.settings import LibrarySettings
from salient_library.sources import Item, Plan, plan_paths, plan_text, plan_urls, url_title
from salient_library.store import VectorStore
from salient_library.web import Fetcher, Resolver, system_resolver

log = logging.getLogger(__name__)

MAX_TOP_K = 50
PASSAGES_PER_SOURCE = 2  # with group_by_source: the best passages each source brings


def _grouped(scored: list[tuple[str, Scored]], top_k: int) -> list[tuple[str, Scored]]:
    """The first `top_k` distinct sources of `scored` (best first), each with its best passages, grouped."""
    groups: dict[str, list[tuple[str, Scored]]] = {}
    for pair in scored:
        key = str(pair[1].chunk.metadata.get("source_id"))
        group = groups.get(key)
        if group is None:
            if len(groups) == top_k:
                continue
            group = groups[key] = []
        if len(group) < PASSAGES_PER_SOURCE:
            group.append(pair)
    return [pair for group in groups.values() for pair in group]


def _hit(collection: str, item: Scored) -> Hit:
    meta = item.chunk.metadata
    origin = str(meta.get("origin", ""))
    citation = Citation(
        source_id=str(meta.get("source_id")),
        collection=collection,
        title=str(meta.get("title", "")),
        url=str(meta["url"]) if meta.get("url") else None,
        path=origin if origin.startswith("/") else None,
        heading=str(meta["heading"]) if meta.get("heading") else None,
        page=int(meta["page"]) if meta.get("page") is not None else None,
    )
    return Hit(text=item.chunk.text, score=round(item.score, 4), similarity=item.similarity, citation=citation)


def source_view(source: Source) -> SourceOut:
    return SourceOut(
        id=source.id,
        collection=source.collection,
        origin=source.origin,
        url=source.url,
        kind=source.kind,
        title=source.title,
        content_hash=source.content_hash,
        status=source.status,
        tags=list(source.tags or []),
        chunks=source.chunk_count,
        chars=len(source.text),
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def make_embedder(settings: LibrarySettings) -> Embedder:
    """The embedding provider the settings name."""
    if settings.embeddings == "openai":
        key = settings.embedding_api_key.get_secret_value() if settings.embedding_api_key else None
        return OpenAIEmbedder(
            base_url=settings.embedding_base_url,
            model=settings.embedding_model,
            api_key=key,
            dimensions=settings.embedding_dimensions,
            batch=settings.embedding_batch,
            timeout=settings.embedding_timeout,
        )
    looked = settings.model_locations()
    return MiniLM.shared(find_model_dir(looked), looked=tuple(looked))


class LibraryService:
    def __init__(
        self,
        db: Database,
        settings: LibrarySettings,
        jobs: Jobs | None = None,
        *,
        resolver: Resolver = system_resolver,
        embedder: Embedder | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.jobs = jobs or Jobs()
        self.resolver = resolver
        self.model = embedder or make_embedder(settings)
        self._owns_model = embedder is None  # a given embedder is its giver's to close
        self.store = VectorStore(settings, self.model.identity)
        self.ingestor = Ingestor(db, self.store, self.model, settings)
        self.retriever = Retriever(self.store, self.model)

    def close(self) -> None:
        self.store.close()
        if self._owns_model and isinstance(self.model, OpenAIEmbedder):  # MiniLM is shared by the process
            self.model.close()

    # -- ingestion ---------------------------------------------------------------------------------------

    def plan(
        self,
        *,
        paths: list[str] | None = None,
        text: str | None = None,
        title: str | None = None,
        urls: list[str] | None = None,
        crawl: CrawlLimits | None = None,
    ) -> Plan:
        """Check the request and list what to ingest; raises before anything is written."""
        if sum((bool(paths), bool(urls), text is not None)) != 1:
            raise InvalidInput("Pass exactly one of paths, urls or text.")
        if crawl is not None and not urls:
            raise InvalidInput("crawl applies to urls only.", hint="Drop crawl, or pass urls.")
        if text is not None:
            return plan_text(text, title=title or "Untitled note")
        if urls:
            limits = crawl or CrawlLimits(max_pages=min(CrawlLimits().max_pages, self.settings.max_pages))
            return plan_urls(urls, crawl=limits, max_pages=self.settings.max_pages, max_depth=self.settings.max_depth)
        return plan_paths(paths or [], roots=self.settings.file_roots, max_bytes=self.settings.max_file_bytes)

    async def ingest(
        self, account: str, collection: str, plan: Plan, *, tags: list[str], progress: Progress | None = None
    ) -> IngestReport:
        await self._check_request(account, collection, plan)
        if plan.urls:
            plan = await self.fetch(account, collection, plan, progress=progress)
        return await self.ingestor.run(account, collection, plan, tags=tags, progress=progress)

    async def start_ingest(self, account: str, collection: str, plan: Plan, *, tags: list[str]) -> Job:
        await self._check_request(account, collection, plan)
        total = len(plan.items) or len(plan.urls)

        async def work(progress: Progress) -> IngestReport:
            ready = plan
            if plan.urls:
                ready = await self.fetch(account, collection, plan, progress=progress)
            return await self.ingestor.run(account, collection, ready, tags=tags, progress=progress)

        return self.jobs.start(account, collection, total, work)

    async def _check_request(self, account: str, collection: str, plan: Plan) -> None:
        """What can be refused before a job starts: the collection's embedder, missing paths, unsafe addresses."""
        await asyncio.to_thread(self.store.check, account, collection)
        await self._check_gone(account, collection, plan)
        if plan.urls:
            fetcher = self.fetcher()
            for url in plan.urls:
                await fetcher.resolve(url)  # the request-time check; every fetch checks again

    def fetcher(self) -> Fetcher:
        s = self.settings
        return Fetcher(
            allowed=s.url_allow_networks,
            user_agent=s.user_agent,
            timeout=s.fetch_timeout,
            max_redirects=s.max_redirects,
            resolver=self.resolver,
        )

    async def fetch(self, account: str, collection: str, plan: Plan, *, progress: Progress | None = None) -> Plan:
        """Crawl the plan's URLs into a plan of downloaded documents; raises if a named URL fails."""
        s = self.settings
        fetcher = self.fetcher()
        crawler = Crawler(
            fetcher,
            limits=plan.crawl or CrawlLimits(),
            user_agent=s.user_agent,
            max_bytes=s.max_file_bytes,
            max_total_bytes=s.max_crawl_bytes,
            time_limit=s.crawl_timeout,
            progress=progress,
        )
        try:
            result = await crawler.run(plan.urls)
        finally:
            await fetcher.aclose()
        async with self.db.session(account=account) as session:
            known = await repo.fingerprints(session, account, collection)
        problems = list(result.problems)
        for url in result.gone:
            if url in known:
                continue
            if url in plan.urls:
                raise FetchFailed(url, "the site answers that it does not exist (HTTP 404 or 410)")
            problems.append(f"{url!r} not found (HTTP 404 or 410)")
        items = [
            Item(origin=p.url, kind=p.kind, title=url_title(p.url), url=p.url, data=p.data, via=p.via)
            for p in result.pages
        ]
        return Plan(
            items=items,
            problems=problems,
            gone=[u for u in result.gone if u in known],
            complete=[via for via, ok in result.complete.items() if ok],
            crawl=crawler.limits,
        )

    async def _check_gone(self, account: str, collection: str, plan: Plan) -> None:
        """A named file that is missing is fine when it was ingested before (it is removed), else a typo."""
        async with self.db.session(account=account) as session:
            for origin in plan.gone:
                if await repo.get_by_origin(session, account, collection, origin) is None:
                    raise InvalidInput(f"No file or directory at {origin!r}.", hint="Check the path.")

    # -- retrieval ---------------------------------------------------------------------------------------

    async def search(
        self,
        account: str,
        *,
        query: str,
        collection: str | None = None,
        sources: list[str] | None = None,
        tags: list[str] | None = None,
        top_k: int = 5,
        min_score: float = 0.0,
        mode: Mode = "hybrid",
        group_by_source: bool = False,
    ) -> SearchResult:
        """The best passages for `query` in one collection, or in all of the account's when `collection` is None.

        Scores mean the same in every collection (a cosine and a share of the query's ceiling), so the passages
        of several collections are merged by score. With `group_by_source`, `top_k` counts distinct sources and
        each brings its best `PASSAGES_PER_SOURCE` passages, the sources in the order of their best passage.
        """
        if not query.strip():
            raise InvalidInput("The query is empty.", hint="Ask with a few words, e.g. 'return window for rollators'.")
        if not 1 <= top_k <= MAX_TOP_K:
            raise InvalidInput(f"top_k {top_k} is out of range.", hint=f"Use 1 to {MAX_TOP_K}.")
        targets: list[tuple[str, tuple[int, str], list[str] | None]] = []
        async with self.db.session(account=account) as session:
            if collection is None:
                names = [name for name, _, _ in await repo.collections(session, account)]
            else:
                names = [collection]
            for name in names:
                state = await repo.collection_state(session, account, name)
                if state[0] == 0:
                    raise UnknownCollection(name)
                allowed = None
                if sources is not None or tags:
                    allowed = await repo.ids_matching(session, account, name, ids=sources, tags=tags)
                    if not allowed:
                        continue
                targets.append((name, state, allowed))
        # Grouping needs candidates from more sources than top_k passages would bring.
        wanted = min(MAX_TOP_K * PASSAGES_PER_SOURCE, top_k * 6) if group_by_source else top_k
        scored: list[tuple[str, Scored]] = []
        for name, state, allowed in targets:
            found = await self.retriever.search(
                account, name, query, state=state, source_ids=allowed, top_k=wanted, mode=mode
            )
            scored.extend((name, item) for item in found)
        scored.sort(key=lambda pair: (-pair[1].score, pair[0], pair[1].chunk.id))
        kept = [pair for pair in scored if pair[1].score >= min_score]
        chosen = _grouped(kept, top_k) if group_by_source else kept[:top_k]
        return SearchResult(query=query, collection=collection, hits=[_hit(name, item) for name, item in chosen])

    # -- sources and collections -------------------------------------------------------------------------

    async def _source(self, account: str, source_id: str) -> Source:
        async with self.db.session(account=account) as session:
            source = await repo.get(session, account, source_id)
        if source is None:
            raise UnknownSource(source_id)
        return source

    async def read_source(self, account: str, source_id: str, *, start: int, max_chars: int) -> SourceText:
        source = await self._source(account, source_id)
        end = min(len(source.text), start + max_chars)
        return SourceText(
            source=source_view(source),
            start=min(start, len(source.text)),
            end=end,
            text=source.text[start:end],
            next_start=end if end < len(source.text) else None,
        )

    async def list_sources(self, account: str, *, collection: str | None, limit: int, cursor: str | None) -> SourcePage:
        at = PageRequest.from_cursor(cursor, account=account, query=["sources", collection], limit=limit)
        async with self.db.session(account=account) as session:
            rows, total = await repo.page(session, account, collection, offset=at.offset, limit=limit)
        return SourcePage(items=[source_view(s) for s in rows], total=total, next_cursor=at.next_cursor(total))

    async def delete_source(self, account: str, source_id: str, *, dry_run: bool) -> Deletion:
        source = await self._source(account, source_id)
        if not dry_run:
            await self.ingestor.remove(account, source.collection, source.id)
        return Deletion(
            source_id=source.id, title=source.title, chunks=source.chunk_count, dry_run=dry_run, deleted=not dry_run
        )

    async def list_collections(self, account: str) -> CollectionList:
        async with self.db.session(account=account) as session:
            rows = await repo.collections(session, account)
        return CollectionList(collections=[CollectionOut(name=n, sources=s, chunks=c) for n, s, c in rows])
