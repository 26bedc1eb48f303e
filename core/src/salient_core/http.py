"""Serving a server over streamable HTTP: auth, rate limits, Host/Origin checks, the loopback rule and `/healthz`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import uvicorn
from fastmcp import FastMCP
from starlette.applications import Starlette
from starlette.middleware import Middleware

from salient_core.auth import TokenStore, build_auth
from salient_core.drain import InFlight, close_streams_when_drained, hold_streams_on_exit
from salient_core.errors import SalientError
from salient_core.ratelimit import RateLimit, RequestBudget, parse_rate_limit
from salient_core.settings import ServerSettings, is_loopback

log = logging.getLogger(__name__)


class UnsafeBind(SalientError):
    """Listening beyond loopback without auth would hand the data to anyone on the network."""


@dataclass(frozen=True)
class HttpPlan:
    app: Starlette
    auth_mode: str


async def build_http_app(mcp: FastMCP, settings: ServerSettings, store: TokenStore) -> HttpPlan:
    """The ASGI app for `mcp`, with auth configured from the token store and settings.

    Raises:
        UnsafeBind: no auth is configured and the host is not a loopback address.
    """
    tokens_exist = await store.count_active() > 0
    auth = build_auth(settings, store, tokens_exist=tokens_exist)
    if auth is None and not is_loopback(settings.host):
        raise UnsafeBind(
            f"Refusing to listen on {settings.host!r} without auth: anyone on the network could read and "
            "change this server's data.",
            hint=f"Create a token first ({mcp.name} tokens create --account ACCOUNT --scopes ...), "
            "configure JWT verification, or bind to 127.0.0.1.",
        )
    mcp.auth = auth
    modes = [m for m, on in (("tokens", tokens_exist or settings.require_auth), ("jwt", settings.jwt_configured)) if on]
    middleware: list[Middleware] = []
    limits = parse_rate_limit(settings.rate_limit)
    if limits:
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        budget = RequestBudget(limits, server=mcp.name, redis_url=redis_url)
        middleware.append(
            Middleware(RateLimit, budget=budget, path=settings.path, account_claim=settings.jwt_account_claim)
        )
    app = mcp.http_app(
        path=settings.path,
        middleware=middleware,
        host_origin_protection=True,
        allowed_hosts=settings.allowed_hosts,
        allowed_origins=settings.allowed_origins,
        stateless_http=settings.stateless_http or None,
    )
    return HttpPlan(app=app, auth_mode="+".join(modes) or "none (loopback only)")


async def serve_http(mcp: FastMCP, settings: ServerSettings, store: TokenStore) -> None:
    plan = await build_http_app(mcp, settings, store)
    requests = InFlight(plan.app)
    # On SIGTERM uvicorn stops accepting, lets requests in flight finish (up to `shutdown_timeout`), then runs the
    # lifespan's shutdown: a replica taken out of a rolling update drops no call it had started (drain.py).
    config = uvicorn.Config(
        requests,
        host=settings.host,
        port=settings.port,
        log_config=None,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=settings.shutdown_timeout,
    )
    server = uvicorn.Server(config)
    log.info(
        "%s serving MCP at http://%s:%d%s (auth: %s)",
        mcp.name,
        settings.host,
        settings.port,
        settings.path,
        plan.auth_mode,
    )
    hold_streams_on_exit()
    closing = asyncio.create_task(
        close_streams_when_drained(server, requests, within=settings.shutdown_timeout), name="drain on exit"
    )
    try:
        await server.serve()
    finally:
        closing.cancel()
