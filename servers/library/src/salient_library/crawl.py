"""Crawling: from the URLs a caller names (pages or sitemaps) to the documents to ingest, within limits.

Every request goes through `Fetcher` (address policy, size and time limits) and robots.txt of its site
(RFC 9309, parsed by protego: a missing robots.txt allows everything, one that answers a server error forbids
everything, `Crawl-delay` is honoured up to `MAX_DELAY`). From each named URL the crawl follows links
breadth-first up to `depth` (0: the page alone), staying on the same site when `same_domain`; a sitemap
(or sitemap index) contributes the pages it lists. It stops at `max_pages` documents, at the byte budget and at
the time limit, and says so in the problems.

A named URL that fails is an error for the whole request (nothing has been written yet, so nothing is);
a page found along the way that fails is a problem in the report and the crawl goes on. Nothing is written
here: the crawl returns the documents, and ingestion stores each as one unit afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

from protego import Protego
from salient_core.errors import InvalidInput

from salient_library.errors import FetchFailed, FileTooLarge, UnsafeURL
from salient_library.web import Fetched, Fetcher, check_syntax, normalise

MAX_DELAY = 5.0  # seconds; a robots.txt asking for more would stall a job for minutes per page
MAX_SITEMAPS = 50
ROBOTS_BYTES = 512_000
GONE = (404, 410)
# Links to these are not documents the library reads; they are not fetched at all.
SKIPPED = re.compile(
    r"\.(png|jpe?g|gif|webp|svg|ico|css|m?js|json|zip|t?gz|tar|mp3|mp4|mov|avi|webm|woff2?|ttf|exe|dmg|docx?|xlsx?|pptx?)$"
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CrawlLimits:
    max_pages: int = 50
    depth: int = 0
    same_domain: bool = True


@dataclass(frozen=True)
class Page:
    url: str
    kind: str  # html, pdf, markdown or text, as `extract` knows them
    data: bytes
    via: str  # the named URL (page or sitemap) it was reached from


@dataclass
class CrawlResult:
    pages: list[Page] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # answered 404 or 410: removed if ingested before
    # Every page reachable within the limits was fetched: sources once reached from a named URL and not
    # reached now are gone. False after a limit, a time-out or any failed page.
    complete: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class _Visit:
    url: str
    depth: int
    via: str
    named: bool
    sitemap: bool = False


class _Links(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []
        self.follow = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"])
        elif tag == "meta" and values.get("name", "").lower() == "robots":
            if "nofollow" in values.get("content", "").lower():
                self.follow = False
        elif tag == "a" and values.get("href") and "nofollow" not in values.get("rel", "").lower():
            self.links.append(urljoin(self.base, values["href"].strip()))


def links_of(html: str, base: str) -> list[str]:
    parser = _Links(base)
    parser.feed(html)
    parser.close()
    return parser.links if parser.follow else []


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(data: bytes, max_bytes: int) -> tuple[str, list[str]] | None:
    """('urlset' | 'sitemapindex', locations) when `data` is a sitemap, else None.

    A gzipped sitemap (sitemap.xml.gz) is inflated to at most `max_bytes`, the limit on any document; a longer one
    is cut there and then fails to parse, so it is not read as a sitemap.
    """
    if data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(data, max_bytes)
    try:
        root = ElementTree.fromstring(data)  # expat >= 2.4 refuses entity-expansion bombs; no external entities
    except ElementTree.ParseError:
        return None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return None
    locations = [
        (child.text or "").strip() for child in root.iter() if _local(child.tag) == "loc" and (child.text or "").strip()
    ]
    return kind, locations


def kind_of_response(fetched: Fetched) -> str | None:
    """How to read a download: html, pdf, markdown, text, xml (maybe a sitemap), or None."""
    media, path, data = fetched.content_type, urlsplit(fetched.url).path.lower(), fetched.data
    if data.startswith(b"%PDF-") or media == "application/pdf":
        return "pdf"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media in ("text/markdown", "text/x-markdown") or (media == "text/plain" and path.endswith((".md", ".markdown"))):
        return "markdown"
    if media == "text/plain":
        return "text"
    if media in ("application/xml", "text/xml", "application/gzip", "application/x-gzip") or path.endswith(
        (".xml", ".xml.gz")
    ):
        return "xml"
    if not media and data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def _site(host: str) -> str:
    return host.removeprefix("www.")


def same_site(url: str, seed: str) -> bool:
    """The same host as the seed, or one of its subdomains (www. ignored on both)."""
    host, seed_host = _site(urlsplit(url).hostname or ""), _site(urlsplit(seed).hostname or "")
    return host == seed_host or host.endswith("." + seed_host)


class Robots:
    """robots.txt per site (scheme, host, port), fetched once per crawl through the same safe fetcher."""

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self._rules: dict[str, Protego | None] = {}  # None: allow everything

    async def rules(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._rules:
            try:
                # RFC 9309 2.5: crawlers parse at least the first 500 KiB; a longer file is cut there, not ignored.
                fetched = await self.fetcher.get(f"{origin}/robots.txt", max_bytes=ROBOTS_BYTES, truncate=True)
            except FetchFailed as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    self._rules[origin] = None  # no robots.txt: everything is allowed
                    return None
                if exc.status is not None:  # a server error: assume complete disallow (RFC 9309 2.3.1.4)
                    self._rules[origin] = Protego.parse("User-agent: *\nDisallow: /\n")
                    return self._rules[origin]
                raise  # the site cannot be reached at all: the page's own error says so
            self._rules[origin] = Protego.parse(fetched.data.decode("utf-8", errors="replace"))
        return self._rules[origin]

    async def check(self, url: str) -> float:
        """Raise when robots.txt forbids `url`; the crawl delay it asks for (seconds)."""
        rules = await self.rules(url)
        if rules is None:
            return 0.0
        if not rules.can_fetch(url, self.user_agent):
            raise FetchFailed(
                url,
                f"the site's robots.txt does not allow {self.user_agent!r} to fetch it",
                hint="Ask the site's owner, or ingest a page robots.txt allows.",
            )
        return min(float(rules.crawl_delay(self.user_agent) or 0.0), MAX_DELAY)


class Crawler:
    def __init__(
        self,
        fetcher: Fetcher,
        *,
        limits: CrawlLimits,
        user_agent: str,
        max_bytes: int,
        max_total_bytes: int,
        time_limit: float,
        progress: Progress | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.limits = limits
        self.robots = Robots(fetcher, user_agent)
        self.max_bytes = max_bytes
        self.max_total_bytes = max_total_bytes
        self.time_limit = time_limit
        self.progress = progress
        self._last_request: dict[str, float] = {}

    async def run(self, urls: list[str]) -> CrawlResult:
        result = CrawlResult()
        queue: deque[_Visit] = deque()
        seen: set[str] = set()
        for url in urls:
            key = normalise(url)
            if key not in seen:
                seen.add(key)
                queue.append(_Visit(key, 0, key, named=True))
                result.complete[key] = True
        started = time.monotonic()
        total_bytes = 0
        sitemaps = [0]  # sitemaps listed by an index and queued, against MAX_SITEMAPS
        while queue:
            visit = queue.popleft()
            if len(result.pages) >= self.limits.max_pages and not visit.named:
                left = 1 + sum(1 for v in queue if not v.named)
                result.problems.append(f"page limit of {self.limits.max_pages} reached; {left} more URL(s) not fetched")
                self._incomplete(result, [visit, *queue])
                queue = deque(v for v in queue if v.named)
                continue
            if time.monotonic() - started > self.time_limit and not visit.named:
                result.problems.append(f"time limit of {self.time_limit:g} s reached; {1 + len(queue)} URL(s) left")
                self._incomplete(result, [visit, *queue])
                queue = deque(v for v in queue if v.named)
                continue
            if total_bytes >= self.max_total_bytes and not visit.named:
                result.problems.append(f"download budget of {self.max_total_bytes:,} bytes used up")
                self._incomplete(result, [visit, *queue])
                queue = deque(v for v in queue if v.named)
                continue
            try:
                fetched = await self._fetch(visit)
            except (FetchFailed, UnsafeURL, FileTooLarge) as exc:
                status = exc.status if isinstance(exc, FetchFailed) else None
                if status in GONE:
                    result.gone.append(visit.url)
                    if visit.named:
                        continue
                elif visit.named:
                    raise
                else:
                    result.problems.append(str(exc))
                    result.complete[visit.via] = False
                continue
            total_bytes += len(fetched.data)
            kind = kind_of_response(fetched)
            if kind == "xml":
                sitemap = parse_sitemap(fetched.data, self.max_bytes)
                if sitemap is None:
                    self._refuse(result, visit, f"{visit.url!r} is XML but not a sitemap")
                    continue
                index = sitemap[0] == "sitemapindex"
                for location in sitemap[1]:
                    self._enqueue(queue, seen, result, location, visit, depth=0, sitemap=index, room=sitemaps)
            elif kind is None:
                self._refuse(result, visit, f"{visit.url!r} has content type {fetched.content_type or 'none'!r}")
            elif visit.sitemap:
                self._refuse(result, visit, f"{visit.url!r} is listed as a sitemap but is not one")
            else:
                data = fetched.data
                if kind in ("html", "text", "markdown") and fetched.charset not in (None, "utf-8", "utf8"):
                    # An unknown charset name: read as UTF-8 with replacements.
                    with contextlib.suppress(LookupError):
                        data = data.decode(fetched.charset or "utf-8", errors="replace").encode()
                result.pages.append(Page(visit.url, kind, data, visit.via))
                if kind == "html":
                    links = links_of(data.decode("utf-8", errors="replace"), fetched.url)
                    if visit.depth < self.limits.depth:
                        for link in links:
                            self._enqueue(queue, seen, result, link, visit, depth=visit.depth + 1)
                    elif any((key := self._document_link(link)) is not None and key not in seen for link in links):
                        # Pages beyond the depth asked for this time may still exist: none is taken for gone.
                        result.complete[visit.via] = False
            if self.progress:
                self.progress(len(result.pages), len(result.pages) + len(queue))
        return result

    async def _fetch(self, visit: _Visit) -> Fetched:
        delay = await self.robots.check(visit.url)
        origin = urlsplit(visit.url).netloc
        if delay:
            wait = self._last_request.get(origin, 0.0) + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_request[origin] = time.monotonic()

        async def before_redirect(target: str) -> None:
            # A redirect is a link the site followed for us: the same rules apply to where it goes.
            await self.fetcher.resolve(target)  # an unsafe target is refused as itself, first
            if self.limits.same_domain and not visit.named and not same_site(target, visit.via):
                raise FetchFailed(visit.url, f"it redirects to another site ({target!r})")
            await self.robots.check(target)

        return await self.fetcher.get(visit.url, max_bytes=self.max_bytes, before_redirect=before_redirect)

    def _refuse(self, result: CrawlResult, visit: _Visit, reason: str) -> None:
        if visit.named:
            raise InvalidInput(
                f"Cannot ingest {reason}.", hint="Name an HTML page, a PDF, a Markdown or text file, or a sitemap."
            )
        result.problems.append(f"skipped: {reason}")

    @staticmethod
    def _incomplete(result: CrawlResult, visits: list[_Visit]) -> None:
        for visit in visits:
            if not visit.named:
                result.complete[visit.via] = False

    @staticmethod
    def _document_link(url: str, *, sitemap: bool = False) -> str | None:
        """The normalised URL when a link can lead to a document (not mailto:, not an image), else None."""
        try:
            check_syntax(url)
        except UnsafeURL:
            return None  # mailto:, javascript:, ftp: links are not documents
        key = normalise(url)
        if SKIPPED.search(urlsplit(key).path.lower()) and not sitemap:
            return None
        return key

    def _enqueue(
        self,
        queue: deque[_Visit],
        seen: set[str],
        result: CrawlResult,
        url: str,
        parent: _Visit,
        *,
        depth: int,
        sitemap: bool = False,
        room: list[int] | None = None,
    ) -> None:
        key = self._document_link(url, sitemap=sitemap)
        if key is None or key in seen:
            return
        if self.limits.same_domain and not same_site(key, parent.via):
            return
        if sitemap and room is not None:
            if room[0] >= MAX_SITEMAPS:
                result.problems.append(f"more than {MAX_SITEMAPS} sitemaps; {url!r} not read")
                result.complete[parent.via] = False
                return
            room[0] += 1
        seen.add(key)
        queue.append(_Visit(key, depth, parent.via, named=False, sitemap=sitemap))
