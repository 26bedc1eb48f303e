"""A small web site for the URL-ingestion tests, served by a real uvicorn on loopback.

Pages, a sitemap, robots.txt, redirects to addresses the library must refuse, a slow page, PDFs too large
to accept (one announcing 200 MB, one streaming without a length), and compressed bombs. Every request is
recorded with its Host header, so a test can show that a refused URL was never fetched.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from salient_library.pdf import write_pdf
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

HTML = "text/html; charset=utf-8"
ROBOTS = "User-agent: *\nDisallow: /private/\n"


def page(title: str, body: str, links: list[str] | None = None) -> bytes:
    nav = "".join(f'<a href="{href}">{href}</a> ' for href in links or [])
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><nav>{nav}</nav>"
        f"<main><article><h1>{title}</h1><p>{body}</p></article></main>"
        "<footer>Copyright Example Medical Supply. Cookie settings.</footer></body></html>"
    ).encode()


def default_pages() -> dict[str, tuple[str, bytes]]:
    return {
        "/docs/": (
            HTML,
            page(
                "Help index",
                "Answers to common questions about walkers, rollators and spare parts for every model we sell.",
                [
                    "/docs/a",
                    "/docs/b",
                    "/private/secret",
                    "/docs/photo.png",
                    "http://other.example/elsewhere",
                    "mailto:help@example.test",
                    "/redirect/private",
                ],
            ),
        ),
        "/docs/a": (
            HTML,
            page(
                "Rollator brakes",
                "Code RB-7 on the handle means the loop brake cable is slack: turn the barrel adjuster a half turn.",
            ),
        ),
        "/docs/b": (
            HTML,
            page("Walker glides", "Replace the tennis-ball glides on a walker when they wear flat.", ["/docs/c"]),
        ),
        "/docs/c": (HTML, page("Walker height", "Set the walker's handles level with the crease of the wrist.")),
        "/private/secret": (HTML, page("Staff only", "The staff discount code is STAFF-55.")),
        "/guide.md": ("text/markdown", b"# Cane guide\n\n## Length\n\nA cane's top should reach the wrist crease.\n"),
        "/spec.pdf": (
            "application/pdf",
            write_pdf([["TrekLite spec", "Weight 6.2 kg"], ["Warranty", "Two years on the frame"]], title="TrekLite"),
        ),
    }


@dataclass
class Site:
    pages: dict[str, tuple[str, bytes]] = field(default_factory=default_pages)
    robots: str = ROBOTS
    sitemap: list[str] = field(default_factory=lambda: ["/docs/a", "/docs/b", "/guide.md", "/spec.pdf"])
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)

    def paths(self) -> list[str]:
        return [path for path, _host in self.requests]

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.handle)])

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        self.requests.append((path, request.headers.get("host", "")))
        port = request.url.port
        if path == "/robots.txt":
            return PlainTextResponse(self.robots)
        if path == "/sitemap.xml":
            base = f"http://{request.headers.get('host')}"
            urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in self.sitemap)
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return Response(body, media_type="application/xml")
        if path == "/sitemap-index.xml":  # an index listing 60 sitemaps, each the same list of pages
            base = f"http://{request.headers.get('host')}"
            entries = "".join(f"<sitemap><loc>{base}/sitemap.xml?part={i}</loc></sitemap>" for i in range(60))
            body = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
            return Response(body + "</sitemapindex>", media_type="application/xml")
        redirects = {
            "/redirect/private": "http://10.0.0.1/admin",
            "/redirect/metadata": "http://169.254.169.254/latest/meta-data/",
            "/redirect/loopback": f"http://127.0.0.2:{port}/docs/a",
            "/redirect/ipv6-loopback": f"http://[::1]:{port}/docs/a",
            "/redirect/same-site": "/docs/a",
            "/redirect/robots": "/private/secret",  # a page robots.txt forbids, reached by a redirect
        }
        if path in redirects:
            return RedirectResponse(redirects[path], status_code=302)
        if path == "/huge.pdf":  # announces 200 MB; the body is only produced if someone reads it
            return StreamingResponse(
                _zeros(200_000_000), media_type="application/pdf", headers={"content-length": "200000000"}
            )
        if path == "/endless.pdf":  # no length: only counting while streaming can stop it
            return StreamingResponse(_zeros(50_000_000), media_type="application/pdf")
        if path == "/bomb.html":  # 10 MB of spaces gzipped twice: a few hundred bytes on the wire
            return Response(_bomb(), media_type=HTML, headers={"content-encoding": "gzip, gzip"})
        if path == "/bomb-once.html":  # 50 MB gzipped once: 50 kB on the wire
            return Response(gzip.compress(b" " * 50_000_000), media_type=HTML, headers={"content-encoding": "gzip"})
        if path == "/gzipped.html":  # an ordinary compressed page
            media, body = self.pages["/docs/a"]
            return Response(gzip.compress(body), media_type=media, headers={"content-encoding": "gzip"})
        if path == "/slow":  # a byte now and then: each read is quick, the whole page never ends
            return StreamingResponse(_trickle(), media_type=HTML)
        if path in self.pages:
            media, body = self.pages[path]
            return Response(body, media_type=media)
        return PlainTextResponse("not found", status_code=404)


def _bomb() -> bytes:
    return gzip.compress(gzip.compress(b" " * 10_000_000))


async def _trickle() -> AsyncIterator[bytes]:
    for _ in range(600):
        yield b" "
        await asyncio.sleep(0.1)


async def _zeros(total: int) -> AsyncIterator[bytes]:
    yield b"%PDF-1.4\n"
    chunk = b"\0" * 65_536
    for _ in range(total // len(chunk)):
        yield chunk
        await asyncio.sleep(0)
