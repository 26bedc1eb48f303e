"""Turning what the caller names (file paths, directories, URLs, text) into a checked plan, before anything is
written.

Every path is resolved (symlinks included) and must lie under a configured root, have a supported type and fit
the size limit; one bad path refuses the whole request, so a rejected ingest never leaves half its files behind.
URLs are checked for their syntax and scheme here; their addresses are checked by the service (a DNS lookup) and
again on every request by `web.Fetcher`, and the pages become items only once the crawl has fetched them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from salient_core.errors import InvalidInput

from salient_library.crawl import CrawlLimits
from salient_library.errors import FileTooLarge, OutsideRoots, UnsupportedType
from salient_library.extract import KINDS, kind_of
from salient_library.web import check_syntax, normalise

TEXT_ORIGIN = "text:"


@dataclass(frozen=True)
class Item:
    """One document to ingest: a file (read when its turn comes), a downloaded page, or a text given inline."""

    origin: str
    kind: str
    title: str
    path: Path | None = None
    text: str | None = None
    url: str | None = None
    data: bytes | None = None
    via: str | None = None  # the named URL (page or sitemap) a downloaded page was reached from

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is not None:
            return self.path.read_bytes()
        return (self.text or "").encode()


@dataclass
class Plan:
    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Directories walked: a source whose file was under one of them and is no longer there is removed.
    scopes: list[str] = field(default_factory=list)
    # Files named explicitly that no longer exist, pages answering 404/410: their sources are removed.
    gone: list[str] = field(default_factory=list)
    # URLs to fetch (pages or sitemaps), with the crawl's limits; turned into items by the ingest job.
    urls: list[str] = field(default_factory=list)
    crawl: CrawlLimits | None = None
    # Named URLs whose crawl reached every page: sources once reached from them and not reached now are removed.
    complete: list[str] = field(default_factory=list)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def plan_paths(paths: list[str], *, roots: list[Path], max_bytes: int, urls: dict[str, str] | None = None) -> Plan:
    """Check every path and list the files to ingest. Raises on the first path that cannot be used."""
    resolved_roots = [root.expanduser().resolve() for root in roots]
    plan = Plan()
    supported = sorted(KINDS)
    for raw in paths:
        if not raw.strip() or "\0" in raw:
            raise InvalidInput(f"Invalid path {raw!r}.", hint="Pass an absolute file or directory path.")
        path = Path(raw).expanduser().resolve()
        if not _inside(path, resolved_roots):
            raise OutsideRoots(raw, resolved_roots)
        if path.is_dir():
            plan.scopes.append(str(path))
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                real = child.resolve()
                kind = kind_of(real)
                if kind is None or not _inside(real, resolved_roots):
                    continue  # other files in a folder are not the caller's mistake
                size = real.stat().st_size
                if size > max_bytes:
                    plan.problems.append(f"{real}: {size:,} bytes, above the {max_bytes:,}-byte limit")
                    continue
                plan.items.append(_file_item(real, kind, urls))
        elif path.is_file():
            kind = kind_of(path)
            if kind is None:
                raise UnsupportedType(raw, supported)
            size = path.stat().st_size
            if size > max_bytes:
                raise FileTooLarge(raw, size, max_bytes)
            plan.items.append(_file_item(path, kind, urls))
        else:
            plan.gone.append(str(path))
    return plan


def _file_item(path: Path, kind: str, urls: dict[str, str] | None) -> Item:
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    return Item(origin=str(path), kind=kind, title=title, path=path, url=(urls or {}).get(path.name))


def plan_text(text: str, *, title: str, url: str | None = None) -> Plan:
    if not text.strip():
        raise InvalidInput("The text to ingest is empty.", hint="Pass the document's text.")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or content_hash(text.encode())[:12]
    return Plan(items=[Item(origin=f"{TEXT_ORIGIN}{slug}", kind="text", title=title, text=text, url=url)])


def plan_urls(urls: list[str], *, crawl: CrawlLimits, max_pages: int, max_depth: int) -> Plan:
    """Check the URLs' syntax and the crawl's limits; the addresses are checked when they are resolved."""
    if crawl.max_pages > max_pages:
        raise InvalidInput(
            f"crawl.max_pages {crawl.max_pages} is above this server's limit of {max_pages}.",
            hint=f"Use at most {max_pages}, or split the site into several ingests.",
        )
    if crawl.depth > max_depth:
        raise InvalidInput(f"crawl.depth {crawl.depth} is above this server's limit of {max_depth}.")
    if len(urls) > crawl.max_pages:
        raise InvalidInput(
            f"{len(urls)} URLs named but crawl.max_pages is {crawl.max_pages}.", hint="Raise max_pages or name fewer."
        )
    for url in urls:
        check_syntax(url)
    return Plan(urls=list(dict.fromkeys(normalise(u) for u in urls)), crawl=crawl)


def url_title(url: str) -> str:
    """A title for a page that names none: its last path segment, else its host."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    stem = last.rsplit(".", 1)[0] if "." in last else last
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words.capitalize() if words else (parts.hostname or url)
