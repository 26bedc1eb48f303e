"""Fetching URLs safely: ingestion is a door into the network the server runs in.

A URL someone hands the library must not become a way to read the server's own network (server-side request
forgery): cloud metadata at 169.254.169.254, an admin page on 127.0.0.1, a database on 10.0.0.5. So:

- only `http` and `https`, no credentials in the URL;
- the host name is resolved here, and *every* address it resolves to must be public (`is_global`, not
  multicast; IPv4 hidden in IPv6 forms is unwrapped first) or inside `url_allow_networks`;
- the connection goes to the address that was checked, not to the name: the request's URL carries the IP,
  the `Host` header and TLS SNI carry the name, and certificates are still verified against the name. A DNS
  answer that changes between the check and the connect (DNS rebinding) therefore cannot redirect the request;
- redirects are followed by hand, each hop checked and resolved again the same way;
- `Content-Length` above the limit is refused before the body is read, and the body is counted while it streams;
  only gzip and deflate are accepted, one layer at most, and inflated here with a cap on the output, so a small
  compressed bomb stops at the limit instead of filling memory (`Inflater`); each request has an overall
  deadline, so a server trickling bytes cannot hold a job forever;
- no proxies from the environment (they would connect on our behalf to an address we never checked).

Each host name gets its own HTTP client, so a kept-alive TLS connection verified for one name is never reused for
another name that happens to share its address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx

from salient_library.errors import FetchFailed, FileTooLarge, UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

SCHEMES = ("http", "https")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str  # media type, lowercased, without parameters
    charset: str | None
    data: bytes


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to now, in the resolver's order of preference."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address some IPv6 forms carry (mapped, 6to4, Teredo, NAT64), which is where packets really go."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress, allowed: Sequence[Network]) -> str | None:
    """Why the library must not connect to `address` (e.g. 'a loopback address'), or None when it may."""
    if any(address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return address_refusal(inner, allowed)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_unspecified or address.is_reserved or not address.is_global:
        return "not a public address"
    return None


def check_syntax(url: str) -> SplitResult:
    """The URL split into parts, when it is an absolute http(s) URL without credentials; else `UnsafeURL`."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UnsafeURL(url, f"not a valid URL ({exc})", hint="Pass an absolute http(s) URL.") from exc
    if parts.scheme.lower() not in SCHEMES:
        shown = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise UnsafeURL(url, f"{shown} is not allowed", hint="Only http and https URLs can be ingested.")
    if not parts.hostname:
        raise UnsafeURL(url, "no host name", hint="Pass an absolute http(s) URL.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(url, "URLs with credentials are not allowed", hint="Remove the user:password@ part.")
    return parts


def normalise(url: str) -> str:
    """The URL without its fragment, with a lowercased scheme and host and a path of at least '/'."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


class Fetcher:
    """GETs URLs under the address policy; one per ingest job, closed with `aclose()`."""

    def __init__(
        self,
        *,
        allowed: Sequence[Network],
        user_agent: str,
        timeout: float,
        max_redirects: int,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allowed = list(allowed)
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.resolver = resolver
        self._transport = transport
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _client(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = httpx.AsyncClient(
                trust_env=False,  # no proxies or netrc from the environment
                follow_redirects=False,
                timeout=httpx.Timeout(self.timeout),
                # Only what `Inflater` decodes; a server that sends anything else anyway is refused.
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
                transport=self._transport,
            )
        return client

    async def resolve(self, url: str) -> tuple[SplitResult, IPAddress]:
        """Check the URL and the addresses its host resolves to; the address to connect to."""
        parts = check_syntax(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                found = await asyncio.wait_for(self.resolver(host, port), self.timeout)
            except (OSError, TimeoutError) as exc:
                raise FetchFailed(url, f"cannot resolve host {host!r} ({exc})") from exc
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
            if not addresses:
                raise FetchFailed(url, f"host {host!r} has no address")
        # Every address must pass, not just one: a name answering both a public and a private address would
        # otherwise reach the private one whenever the client happened to pick it.
        for address in addresses:
            reason = address_refusal(address, self.allowed)
            if reason is not None:
                shown = str(address) if literal is not None else f"{host!r} resolves to {address}, which is"
                raise UnsafeURL(url, f"{shown} {reason}" if literal is None else f"{shown} is {reason}")
        return parts, addresses[0]

    async def get(
        self,
        url: str,
        *,
        max_bytes: int,
        truncate: bool = False,
        before_redirect: Callable[[str], Awaitable[None]] | None = None,
    ) -> Fetched:
        """GET `url`, following redirects by hand; the body must fit in `max_bytes` (or, with `truncate`, its
        first `max_bytes` are kept and the rest is not read).

        Raises:
            UnsafeURL: the URL or a redirect's target is not allowed.
            FetchFailed: unreachable, timed out, an HTTP error status, too many redirects.
            FileTooLarge: the body is larger than `max_bytes` (announced or while streaming).
        """
        current = url
        for _ in range(self.max_redirects + 1):
            parts, address = await self.resolve(current)
            try:
                async with asyncio.timeout(self.timeout):
                    outcome = await self._once(current, parts, address, max_bytes=max_bytes, truncate=truncate)
            except TimeoutError as exc:
                raise FetchFailed(current, f"no complete answer within {self.timeout:g} s") from exc
            if isinstance(outcome, Fetched):
                return outcome
            if before_redirect is not None:  # the caller's own rules for where a redirect may go (robots.txt)
                await before_redirect(outcome)
            current = outcome
        raise FetchFailed(url, f"more than {self.max_redirects} redirects")

    async def _once(
        self, url: str, parts: SplitResult, address: IPAddress, *, max_bytes: int, truncate: bool = False
    ) -> Fetched | str:
        host = parts.hostname or ""
        connect_host = f"[{address}]" if address.version == 6 else str(address)
        netloc = f"{connect_host}:{parts.port}" if parts.port else connect_host
        target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rsplit("@", 1)[-1]
        client = self._client(host)
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        request = client.build_request("GET", target, headers={"Host": host_header}, extensions=extensions)
        try:
            response = await client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise FetchFailed(url, f"timed out after {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(url, f"cannot connect ({type(exc).__name__}: {exc or 'no detail'})") from exc
        try:
            if response.is_redirect:
                location = response.headers.get("location", "")
                if not location:
                    raise FetchFailed(url, f"HTTP {response.status_code} redirect without a Location")
                return urljoin(url, location)
            if response.status_code >= 400:
                raise FetchFailed(url, f"HTTP {response.status_code}", status=response.status_code)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes and not truncate:
                raise FileTooLarge(url, int(declared), max_bytes)
            inflater = Inflater.for_response(url, response.headers.get("content-encoding", ""))
            body = bytearray()
            try:
                async for piece in response.aiter_raw():
                    # At most one byte past the limit is ever inflated: enough to know the body is too large.
                    body += inflater.inflate(piece, max_bytes + 1 - len(body))
                    if len(body) > max_bytes:
                        break
                else:
                    body += inflater.flush(max_bytes + 1 - len(body))
                if len(body) > max_bytes:
                    if not truncate:
                        raise FileTooLarge(url, len(body), max_bytes, streamed=True)
                    del body[max_bytes:]
            except httpx.TimeoutException as exc:
                raise FetchFailed(url, f"timed out after {self.timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(url, f"the download broke off ({type(exc).__name__})") from exc
            media, _, params = response.headers.get("content-type", "").partition(";")
            charset = None
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key.lower() == "charset" and value:
                    charset = value.strip('"').lower()
            return Fetched(url, response.status_code, media.strip().lower(), charset, bytes(body))
        finally:
            await response.aclose()


class Inflater:
    """Decodes a body's `Content-Encoding` (none, gzip or deflate) with a cap on what each piece may inflate to.

    httpx's own decoders inflate a whole piece at once and stack encodings (`gzip, gzip`), so a body of a few
    hundred bytes can become gigabytes before any size check runs; this one never produces more than it is asked.
    """

    def __init__(self, url: str, wbits: int | None) -> None:
        self.url = url
        self._zlib = zlib.decompressobj(wbits) if wbits is not None else None
        self._pending = b""

    @classmethod
    def for_response(cls, url: str, header: str) -> Inflater:
        codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
        if not codings:
            return cls(url, None)
        if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
            return cls(url, 16 + zlib.MAX_WBITS)
        if len(codings) == 1 and codings[0] == "deflate":
            return cls(url, zlib.MAX_WBITS)
        raise FetchFailed(url, f"unsupported Content-Encoding {header!r} (gzip or deflate, once, are accepted)")

    def inflate(self, piece: bytes, limit: int) -> bytes:
        """Up to `limit` bytes of output from what has arrived so far (input held back is kept for later)."""
        if self._zlib is None:
            return piece
        try:
            out = self._zlib.decompress(self._pending + piece, max(1, limit))
        except zlib.error as exc:
            raise FetchFailed(self.url, f"the compressed body is corrupt ({exc})") from exc
        self._pending = self._zlib.unconsumed_tail
        return out

    def flush(self, limit: int) -> bytes:
        """What is left once the body has ended, up to `limit` bytes."""
        if self._zlib is None:
            return b""
        return self.inflate(b"", limit) if self._pending else self._zlib.flush()[: max(1, limit)]
