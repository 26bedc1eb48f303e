"""Ingesting URLs and sitemaps from a real web server on loopback, and every way a URL can be refused.

The test settings allow 127.0.0.1 (and only it), so the local site can be crawled; one test shows that the
default settings refuse loopback. Every refused ingest leaves the sources exactly as they were.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from library_support import open_service, wait_done
from salient_library.crawl import parse_sitemap
from salient_library.server import build_server
from salient_library.settings import LibrarySettings
from support import free_port, serve_asgi
from web_site import HTML, Site, page


@pytest.fixture
def backend() -> str:
    # Fetching does not depend on the stores; the store-dependent paths run on every backend elsewhere.
    return "sqlite+embedded"


@pytest.fixture
async def site() -> AsyncIterator[tuple[Site, str]]:
    served = Site()
    async with serve_asgi(served.app()) as base:
        yield served, base


async def sources(client: Client) -> list[tuple[str, str, str]]:
    listed = (await client.call_tool("list_sources", {"limit": 100})).structured_content
    assert listed is not None
    return sorted((s["origin"], s["kind"], s["content_hash"]) for s in listed["items"])


async def ingest(client: Client, **args: object) -> dict:
    job = (await client.call_tool("ingest", {"collection": "web", **args})).structured_content
    assert job is not None
    return await wait_done(client, job["id"])


async def refused(client: Client, **args: object) -> str:
    """The error of an ingest that fails, whether at the call or in the job; the sources must be unchanged."""
    before = await sources(client)
    try:
        job = await ingest(client, **args)
    except ToolError as exc:
        message = str(exc)
    else:
        assert job["state"] == "failed", job
        message = job["error"]
    assert await sources(client) == before
    return message


async def test_crawl_follows_links_within_depth_same_site_and_robots(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    job = await ingest(client, urls=[f"{base}/docs/"], crawl={"depth": 2, "max_pages": 20}, tags=["help"])
    assert job["state"] == "done", job
    origins = [o for o, _k, _h in await sources(client)]
    assert origins == [f"{base}/docs/", f"{base}/docs/a", f"{base}/docs/b", f"{base}/docs/c"]
    # robots.txt was read first and honoured; other sites, mail links and images were never requested.
    assert served.paths()[0] == "/robots.txt" and "/private/secret" not in served.paths()
    assert "/docs/photo.png" not in served.paths()
    # A link on the page redirecting to a private address is a problem of the crawl, not its failure.
    assert any("10.0.0.1 is a private address" in p for p in job["report"]["problems"]), job["report"]
    hit = (await client.call_tool("search", {"query": "code RB-7 on the handle", "collection": "web"})).data
    assert hit.hits[0].citation.url == f"{base}/docs/a" and hit.hits[0].citation.title == "Rollator brakes"
    assert "Cookie" not in hit.hits[0].text  # boilerplate removed


async def test_sitemap_then_reingest_skips_unchanged_replaces_changed_removes_gone(
    client: Client, site: tuple[Site, str]
) -> None:
    served, base = site
    first = await ingest(client, urls=[f"{base}/sitemap.xml"])
    assert first["state"] == "done" and first["report"]["added"] == 4, first
    kinds = {o.removeprefix(base): k for o, k, _h in await sources(client)}
    assert kinds == {"/docs/a": "html", "/docs/b": "html", "/guide.md": "markdown", "/spec.pdf": "pdf"}
    pdf = (await client.call_tool("search", {"query": "TrekLite frame warranty", "collection": "web"})).data
    assert pdf.hits[0].citation.page == 2

    again = await ingest(client, urls=[f"{base}/sitemap.xml"])
    assert (again["report"]["unchanged"], again["report"]["added"], again["report"]["updated"]) == (4, 0, 0)

    served.pages["/docs/a"] = (served.pages["/docs/a"][0], b"<html><body><h1>Rollator brakes</h1><p>New text.</p>")
    del served.pages["/docs/b"]  # the sitemap still lists it: it answers 404 now
    served.sitemap.remove("/guide.md")  # no longer listed at all
    changed = await ingest(client, urls=[f"{base}/sitemap.xml"])
    report = changed["report"]
    assert (report["added"], report["updated"], report["unchanged"], report["removed"]) == (0, 1, 1, 2), report
    assert [o.removeprefix(base) for o, _k, _h in await sources(client)] == ["/docs/a", "/spec.pdf"]


async def test_a_shallower_crawl_removes_nothing_it_did_not_reach(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    # Only links that lead somewhere (a failed or forbidden link leaves a crawl incomplete, so nothing is removed).
    served.pages["/docs/"] = (HTML, page("Help index", "Walkers, rollators and their parts.", ["/docs/a", "/docs/b"]))
    deep = await ingest(client, urls=[f"{base}/docs/"], crawl={"depth": 2})
    assert deep["report"]["added"] == 4, deep
    # The page alone this time: the pages it links to were not looked at, so none of them is gone.
    shallow = await ingest(client, urls=[f"{base}/docs/"])
    assert (shallow["report"]["unchanged"], shallow["report"]["removed"]) == (1, 0), shallow
    assert len(await sources(client)) == 4
    # A crawl that reaches everything again does remove what no longer exists.
    served.pages["/docs/b"] = (served.pages["/docs/b"][0], page("Walker glides", "Replace worn glides."))  # no /c
    full = await ingest(client, urls=[f"{base}/docs/"], crawl={"depth": 2})
    assert (full["report"]["updated"], full["report"]["removed"]) == (1, 1), full
    assert f"{base}/docs/c" not in [o for o, _k, _h in await sources(client)]


async def test_a_sitemap_index_is_read_up_to_fifty_sitemaps(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    job = await ingest(client, urls=[f"{base}/sitemap-index.xml"])
    assert job["state"] == "done" and job["report"]["added"] == 4, job
    assert sum(p == "/sitemap.xml" for p in served.paths()) == 50
    assert any("more than 50 sitemaps" in p for p in job["report"]["problems"]), job["report"]


async def test_a_huge_robots_txt_is_read_up_to_500_kib(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    served.robots += "# " + "padding " * 100_000 + "\n"  # 800 kB: the rules at its top still hold
    job = await ingest(client, urls=[f"{base}/docs/"], crawl={"depth": 1})
    assert job["state"] == "done", job
    assert "/robots.txt" in served.paths() and "/private/secret" not in served.paths()


async def test_a_redirect_to_a_page_robots_txt_forbids_is_not_followed(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    message = await refused(client, urls=[f"{base}/redirect/robots"])
    assert "robots.txt does not allow" in message
    assert "/private/secret" not in served.paths()


async def test_page_limit_stops_the_crawl_and_says_so(client: Client, site: tuple[Site, str]) -> None:
    _served, base = site
    job = await ingest(client, urls=[f"{base}/docs/"], crawl={"depth": 3, "max_pages": 2})
    assert job["state"] == "done" and job["report"]["added"] == 2
    assert any("page limit of 2 reached" in p for p in job["report"]["problems"])


async def test_loopback_is_refused_by_default(
    db_url: str, tmp_path: Path, docs_root: Path, site: tuple[Site, str]
) -> None:
    served, base = site
    defaults = LibrarySettings(db=db_url, data_dir=tmp_path / "default", file_roots=[docs_root])
    assert defaults.url_allow_networks == []
    port = base.rsplit(":", 1)[1]
    async with Client(build_server(defaults)) as client:
        message = await refused(client, urls=[f"{base}/docs/a"])
        assert "127.0.0.1 is a loopback address" in message
        message = await refused(client, urls=[f"http://localhost:{port}/docs/a"])
        assert "'localhost' resolves to" in message and "which is a loopback address" in message
        message = await refused(client, urls=["http://169.254.169.254/latest/meta-data/"])
        assert "169.254.169.254 is a link-local address" in message
        message = await refused(client, urls=["http://[::ffff:127.0.0.1]/"])
        assert "loopback address" in message
    assert served.requests == []  # refused before any connection


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/redirect/private", "Refusing 'http://10.0.0.1/admin': 10.0.0.1 is a private address"),
        ("/redirect/metadata", "169.254.169.254 is a link-local address"),
        ("/redirect/loopback", "127.0.0.2 is a loopback address"),  # only 127.0.0.1 is allowed in these tests
        ("/redirect/ipv6-loopback", "::1 is a loopback address"),
    ],
)
async def test_redirect_to_a_refused_address(client: Client, site: tuple[Site, str], path: str, expected: str) -> None:
    _served, base = site
    assert expected in await refused(client, urls=[f"{base}{path}"])


async def test_a_same_site_redirect_is_followed(client: Client, site: tuple[Site, str]) -> None:
    _served, base = site
    job = await ingest(client, urls=[f"{base}/redirect/same-site"])
    assert job["state"] == "done" and job["report"]["added"] == 1


async def test_one_bad_url_refuses_the_whole_request(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    message = await refused(client, urls=[f"{base}/docs/a", f"{base}/redirect/private"])
    assert "10.0.0.1 is a private address" in message
    assert "/docs/a" in served.paths()  # it was fetched, but nothing was stored


async def test_unreachable_url(client: Client) -> None:
    message = await refused(client, urls=[f"http://127.0.0.1:{free_port()}/docs/a"])
    assert "cannot connect" in message


async def test_oversized_pdf_refused_by_its_content_length(client: Client, site: tuple[Site, str]) -> None:
    _served, base = site
    message = await refused(client, urls=[f"{base}/huge.pdf"])
    assert "is 200,000,000 bytes, above the limit of 20,000,000 bytes" in message


async def test_oversized_download_refused_while_streaming(settings: LibrarySettings, site: tuple[Site, str]) -> None:
    _served, base = site
    async with Client(build_server(settings.model_copy(update={"max_file_bytes": 1_000_000}))) as client:
        message = await refused(client, urls=[f"{base}/endless.pdf"])
    assert "is more than 1,000,000 bytes" in message


async def test_compression_bombs_stop_at_the_size_limit(settings: LibrarySettings, site: tuple[Site, str]) -> None:
    """Inflated here with a cap: a 50 kB body that would be 50 MB stops at the limit; stacked encodings are refused."""
    _served, base = site
    async with Client(build_server(settings.model_copy(update={"max_file_bytes": 1_000_000}))) as client:
        once = await refused(client, urls=[f"{base}/bomb-once.html"])
        stacked = await refused(client, urls=[f"{base}/bomb.html"])
        page = await ingest(client, urls=[f"{base}/gzipped.html"])
    assert "is more than 1,000,000 bytes" in once
    assert "unsupported Content-Encoding 'gzip, gzip'" in stacked
    assert page["state"] == "done" and page["report"]["added"] == 1, page


async def test_a_page_that_never_finishes_hits_the_time_limit(
    settings: LibrarySettings, site: tuple[Site, str]
) -> None:
    _served, base = site
    async with Client(build_server(settings.model_copy(update={"fetch_timeout": 1.0}))) as client:
        message = await refused(client, urls=[f"{base}/slow"])
    assert "no complete answer within 1 s" in message or "timed out" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("ftp://example.com/a.pdf", "scheme 'ftp' is not allowed"),
        ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
        ("//example.com/no-scheme", "no scheme is not allowed"),
        ("http://user:secret@127.0.0.1/", "URLs with credentials are not allowed"),
    ],
)
async def test_only_plain_http_urls(client: Client, url: str, expected: str) -> None:
    assert expected in await refused(client, urls=[url])


async def test_robots_txt_refusal_and_a_missing_page(client: Client, site: tuple[Site, str]) -> None:
    served, base = site
    assert "robots.txt does not allow 'SalientLibrary/0.1'" in await refused(client, urls=[f"{base}/private/secret"])
    assert "/private/secret" not in served.paths()
    assert "does not exist (HTTP 404 or 410)" in await refused(client, urls=[f"{base}/nope"])


async def test_crawl_limits_above_the_servers(client: Client, site: tuple[Site, str]) -> None:
    _served, base = site
    message = await refused(client, urls=[f"{base}/docs/"], crawl={"max_pages": 5000})
    assert "crawl.max_pages 5000 is above this server's limit of 200" in message


async def test_connects_to_the_address_it_checked(settings: LibrarySettings, site: tuple[Site, str]) -> None:
    """DNS rebinding: the name is resolved once per request, checked, and the connection goes to that address.

    `docs.test` exists only in this resolver, so a fetch that resolved the name again would fail.
    """
    served, base = site
    port = base.rsplit(":", 1)[1]
    asked: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if host == "docs.test" else ["127.0.0.1", "10.9.8.7"]

    async with open_service(settings, resolver=resolver) as service:
        plan = service.plan(urls=[f"http://docs.test:{port}/docs/a"])
        report = await service.ingest("demo", "web", plan, tags=[])
        assert report.added == 1
        assert served.requests[-1] == ("/docs/a", f"docs.test:{port}")  # the name travels in the Host header
        assert asked.count("docs.test") >= 3  # the request-time check, robots.txt, the page

        # A name with one private address among its answers is refused, whichever address a client would pick.
        plan = service.plan(urls=[f"http://mixed.test:{port}/docs/a"])
        with pytest.raises(ToolError, match=r"'mixed.test' resolves to 10.9.8.7, which is a private address"):
            await service.ingest("demo", "web", plan, tags=[])


def test_a_gzipped_sitemap_is_read_and_one_inflating_past_the_document_limit_is_not() -> None:
    locations = "".join(f"<url><loc>https://example.com/p{i}</loc></url>" for i in range(3))
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locations}</urlset>'.encode()
    assert parse_sitemap(gzip.compress(sitemap), max_bytes=10_000) == (
        "urlset",
        ["https://example.com/p0", "https://example.com/p1", "https://example.com/p2"],
    )
    padded = sitemap.replace(b"</urlset>", b" " * 20_000 + b"</urlset>")  # 20 kB inflated, a few hundred bytes sent
    assert parse_sitemap(gzip.compress(padded), max_bytes=10_000) is None
    assert parse_sitemap(gzip.compress(padded), max_bytes=30_000) is not None
