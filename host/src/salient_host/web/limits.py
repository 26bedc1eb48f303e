"""What one client may send: request bodies up to a size, and so many turns per window per session and per IP.

Rate limits are fixed windows counted in the process (`MemoryRateLimiter`) or in Redis (`RedisRateLimiter`), which
host replicas behind one load balancer must share so that a client cannot multiply its allowance by replica count.
"""

from __future__ import annotations

import json
import time
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salient_host.errors import SalientHostError
from salient_host.web.errors import RateLimited, TooLarge

SETTING = "SALIENT_WEB_REDIS_URL"


class RateStoreUnreachable(SalientHostError):
    """Redis is configured for the rate limits but does not answer; the host refuses to start rather than count
    each replica's limits apart without saying so."""


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        """Count one request under `key`; None when allowed, else the seconds until the window reopens."""
        ...

    async def check(self) -> None:
        """Raise `RateStoreUnreachable` when the store cannot count; called once when the app starts."""
        ...

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """Fixed windows in this process: right for one host process, wrong for several."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window number, count)

    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        now = time.time()
        window = int(now // window_s)
        if len(self._windows) > 100_000:  # forget finished windows now and then, so memory stays bounded
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        start, count = self._windows.get(key, (window, 0))
        count = count + 1 if start == window else 1
        self._windows[key] = (window, count)
        return None if count <= limit else (window + 1) * window_s - now

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        self._windows.clear()


class RedisRateLimiter:
    """Fixed windows in Redis (INCR + EXPIRE), shared by every host replica using the same Redis."""

    def __init__(self, url: str, *, prefix: str = "salient:rl:") -> None:
        self._redis = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        self._url = url
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_s: int) -> float | None:
        now = time.time()
        window = int(now // window_s)
        name = f"{self._prefix}{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_s + 1)
            count, _ = await pipe.execute()
        return None if int(count) <= limit else (window + 1) * window_s - now

    async def check(self) -> None:
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            raise RateStoreUnreachable(
                f"{SETTING} is {shown_url(self._url)} but Redis does not answer there ({type(exc).__name__}: {exc}). "
                f"Start Redis or correct {SETTING}; unset it to count rate limits in each host process."
            ) from exc

    async def aclose(self) -> None:
        await self._redis.aclose()


def shown_url(url: str) -> str:
    """The URL without its password, fit for an error message or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def rate_limiter(redis_url: str | None, *, prefix: str = "salient:rl:") -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix=prefix) if redis_url else MemoryRateLimiter()


async def enforce(limiter: RateLimiter, *, what: str, keys: list[str], limit: int, window_s: int) -> None:
    """Raise RateLimited when any of `keys` is over `limit` in the current window."""
    for key in keys:
        wait = await limiter.hit(key, limit=limit, window_s=window_s)
        if wait is not None:
            raise RateLimited(what, wait)


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length says so up front."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge("too_large", self._message())
            return message

        await self.app(scope, counted, send)

    def _message(self) -> str:
        return f"The request is larger than {self.max_bytes} bytes. Send a shorter message."

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps({"error": "too_large", "message": self._message()}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
