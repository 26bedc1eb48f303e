"""Request rate limits per token on a server's HTTP endpoint, so one client cannot starve the others.

Every request to the MCP path counts against its caller's budget: a Salient token by its id, a JWT by its account and
subject, and, where no token was verified (auth off on loopback), the client's address. Over the limit the request is
refused with HTTP 429, a `Retry-After` header and a JSON-RPC error whose `data.retry_after_seconds` a client can read.

The counting is a moving window: in this process by default (`LocalWindows`), in Redis through the `limits`
library when `redis_url` is set, so that replicas behind a load balancer share one budget per token instead of each
granting a full one.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

RATE_LIMITED = -32029  # JSON-RPC's server-error range; 429 in its last digits, like the HTTP status
OFF = "off"


def parse_rate_limit(value: str) -> list[RateLimitItem]:
    """The limits in `value` ("600/minute", "20/second; 600/minute"), or none for "off".

    Raises:
        ValueError: `value` is not in the `limits` notation.
    """
    if value.strip().lower() == OFF:
        return []
    try:
        return parse_many(value)
    except ValueError as exc:
        raise ValueError(
            f"rate limit {value!r} is not like '600/minute' or '20/second; 600/minute' (or 'off')"
        ) from exc


def caller_key(scope: Scope, *, account_claim: str = "account") -> str:
    """Whose budget a request spends: the verified token's, else the client address's."""
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser):
        token = user.access_token
        claims = token.claims or {}
        subject = claims.get("sub")
        if subject:  # a JWT: one budget per subject, whichever token the identity provider issued it
            account = claims.get(account_claim, "")
            return f"jwt:{account}:{subject}"
        return f"token:{token.client_id}"
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


@dataclass(frozen=True)
class Refusal:
    retry_after_seconds: int
    limit: RateLimitItem


class LocalWindows:
    """Moving windows counted in this process: per key and limit, the times of the requests inside the window.

    The rule is `limits`' moving window (a request goes ahead while fewer than `amount` requests of the key fell in
    the last `expiry` seconds; each limit counts the request as soon as it lets it through, even when a later limit
    refuses it). `limits`' in-memory async storage hands expiry work to a thread on every hit, about a third of a
    millisecond of CPU per request; here expired times fall off the front of a deque as a key is spent, and keys
    left idle longer than the longest window are swept out now and then.
    """

    def __init__(self, limits: list[RateLimitItem], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = [(item, float(item.get_expiry())) for item in limits]
        self.longest = max((expiry for _, expiry in self.limits), default=0.0)
        self.clock = clock
        self.hits: dict[tuple[str, int], deque[float]] = {}
        self.next_sweep = clock() + self.longest

    def spend(self, key: str) -> Refusal | None:
        now = self.clock()
        if now >= self.next_sweep:
            self._sweep(now)
        for index, (item, expiry) in enumerate(self.limits):
            hits = self.hits.get((key, index))
            if hits is None:
                hits = self.hits[key, index] = deque()
            while hits and hits[0] < now - expiry:
                hits.popleft()
            if len(hits) >= item.amount:
                return Refusal(max(1, math.ceil(hits[0] + expiry - now)), item)
            hits.append(now)
        return None

    def _sweep(self, now: float) -> None:
        self.hits = {k: hits for k, hits in self.hits.items() if hits and hits[-1] >= now - self.longest}
        self.next_sweep = now + self.longest


class RequestBudget:
    """The rate limits of one server, counted in memory or in Redis."""

    def __init__(self, limits: list[RateLimitItem], *, server: str, redis_url: str | None = None) -> None:
        self.limits = limits
        self.shared = redis_url is not None
        self.local: LocalWindows | None = None
        self.storage: RedisStorage | None = None
        if redis_url is None:
            self.local = LocalWindows(limits)
            return
        try:
            self.storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix=f"salient:rl:{server}",
                socket_connect_timeout=2,
                socket_timeout=2,
            )
        except ConfigurationError as exc:
            raise ValueError(f"cannot use Redis URL for rate limits: {exc}") from exc
        self.limiter = MovingWindowRateLimiter(self.storage)

    async def spend(self, key: str) -> Refusal | None:
        """Count one request under `key`; None when it may go ahead, else how long to wait.

        When the shared store cannot be reached the request goes ahead (and a warning is logged): an outage of
        Redis must not take every server down with it.
        """
        if self.local is not None:
            return self.local.spend(key)
        for item in self.limits:
            try:
                if await self.limiter.hit(item, key):
                    continue
                stats = await self.limiter.get_window_stats(item, key)
            except (RedisError, OSError) as exc:
                log.warning("rate limit store unreachable, request let through: %s: %s", type(exc).__name__, exc)
                return None
            return Refusal(max(1, math.ceil(stats.reset_time - time.time())), item)
        return None

    async def aclose(self) -> None:
        if self.storage is not None:
            await self.storage.bridge.get_connection().aclose()  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def refusal_body(refusal: Refusal) -> bytes:
    limit = refusal.limit
    message = f"Rate limit exceeded for this token ({limit} requests). Retry after {refusal.retry_after_seconds} s."
    error = {
        "code": RATE_LIMITED,
        "message": message,
        "data": {"retry_after_seconds": refusal.retry_after_seconds, "limit": str(limit)},
    }
    return json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode()


class RateLimit:
    """ASGI middleware: requests to `path` spend their caller's budget; over it they get 429 and `Retry-After`.

    Installed inside the auth middleware (so the verified token is known) and before the endpoint that refuses
    unauthenticated requests. The budget's connections close with the app's lifespan.
    """

    def __init__(self, app: ASGIApp, *, budget: RequestBudget, path: str, account_claim: str = "account") -> None:
        self.app = app
        self.budget = budget
        self.path = path
        self.account_claim = account_claim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path.rstrip("/"):
            await self.app(scope, receive, send)
            return
        refusal = await self.budget.spend(caller_key(scope, account_claim=self.account_claim))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        body = refusal_body(refusal)
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(refusal.retry_after_seconds).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.budget.aclose()
            return message

        return wrapped
