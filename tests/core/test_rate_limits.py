"""Rate limits per token over real HTTP: one token over its budget gets 429 while others go on; replicas share Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from catalog_support import load
from fastmcp import Client
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from mcp import MCPError
from pydantic import SecretStr
from salient_catalog.server import build_server
from salient_catalog.settings import CatalogSettings
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_core.ratelimit import RATE_LIMITED, LocalWindows, parse_rate_limit
from support import REDIS_URL, free_port, require_redis, serve_asgi

LIST_TOOLS = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {}}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def bearer(token: str) -> dict[str, str]:
    return {**ACCEPT, "Authorization": f"Bearer {token}"}


@dataclass
class Replicas:
    urls: list[str]
    hungry: str
    patient: str


@pytest.fixture
async def replicas(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[Replicas]:
    """Servers over one database sharing tokens; `request.param` is (replica count, Redis URL or None)."""
    count, redis_url = request.param
    if redis_url:
        await require_redis()
    await load(sqlite_url)
    settings = CatalogSettings(
        db=sqlite_url, http=True, rate_limit="5/minute", redis_url=SecretStr(redis_url) if redis_url else None
    )
    async with token_store(settings, "catalog") as store, AsyncExitStack() as stack:
        _, hungry = await store.create(account="demo", scopes=["catalog:read"], name="hungry bot")
        _, patient = await store.create(account="demo", scopes=["catalog:read"], name="patient bot")
        urls = []
        for _ in range(count):
            plan = await build_http_app(build_server(settings), settings, store)
            urls.append(await stack.enter_async_context(serve_asgi(plan.app)) + "/mcp")
        yield Replicas(urls, hungry, patient)


@pytest.mark.parametrize("replicas", [(1, None)], indirect=True)
async def test_a_token_over_its_limit_gets_429_while_another_goes_on(replicas: Replicas) -> None:
    url = replicas.urls[0]
    async with httpx.AsyncClient() as http:
        for _ in range(5):
            allowed = await http.post(url, json=LIST_TOOLS, headers=bearer(replicas.hungry))
            assert allowed.status_code != 429
        refused = await http.post(url, json=LIST_TOOLS, headers=bearer(replicas.hungry))
        assert refused.status_code == 429
        retry_after = int(refused.headers["Retry-After"])
        assert 1 <= retry_after <= 60
        body = refused.json()
        assert body["jsonrpc"] == "2.0"
        assert body["error"]["code"] == RATE_LIMITED
        assert body["error"]["data"] == {"retry_after_seconds": retry_after, "limit": "5 per 1 minute"}
        assert "Rate limit exceeded for this token" in body["error"]["message"]
        health = await http.get(url.removesuffix("/mcp") + "/healthz")  # probes are never limited
        assert health.status_code == 200
    async with Client(url, auth=replicas.patient) as client:  # a fresh token still gets through
        result = await client.call_tool("search_products", {"query": "wheelchair"})
        assert result.structured_content is not None and result.structured_content["total"] == 3
    with pytest.raises(MCPError, match="Rate limit exceeded for this token") as caught:  # what an MCP client sees
        async with Client(url, auth=replicas.hungry) as client:
            await client.list_tools()
    data = caught.value.error.data
    assert data["limit"] == "5 per 1 minute" and 1 <= data["retry_after_seconds"] <= retry_after


@pytest.mark.parametrize("replicas", [(2, REDIS_URL)], indirect=True)
async def test_replicas_sharing_redis_share_one_budget_per_token(replicas: Replicas) -> None:
    first, second = replicas.urls
    async with httpx.AsyncClient() as http:
        statuses = [
            (await http.post(url, json=LIST_TOOLS, headers=bearer(replicas.hungry))).status_code
            for url in (first, second, first, second, first, second)
        ]
        assert [status == 429 for status in statuses] == [False] * 5 + [True]
        assert (await http.post(first, json=LIST_TOOLS, headers=bearer(replicas.hungry))).status_code == 429
        assert (await http.post(second, json=LIST_TOOLS, headers=bearer(replicas.patient))).status_code != 429


@pytest.mark.parametrize("replicas", [(2, None)], indirect=True)
async def test_replicas_without_redis_count_apart(replicas: Replicas) -> None:
    first, second = replicas.urls
    async with httpx.AsyncClient() as http:
        for url in (first, second):
            statuses = [
                (await http.post(url, json=LIST_TOOLS, headers=bearer(replicas.hungry))).status_code for _ in range(5)
            ]
            assert 429 not in statuses


async def test_without_auth_on_loopback_the_client_address_is_counted(sqlite_url: str) -> None:
    settings = CatalogSettings(db=sqlite_url, http=True, rate_limit="2/minute")
    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "none (loopback only)"
        async with serve_asgi(plan.app) as base, httpx.AsyncClient() as http:
            statuses = [(await http.post(f"{base}/mcp", json=LIST_TOOLS, headers=ACCEPT)).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429


async def test_a_jwt_subject_has_one_budget_whichever_token_it_holds(sqlite_url: str) -> None:
    keys = RSAKeyPair.generate()
    issuer, audience = "https://id.example", "salient-catalog"
    settings = CatalogSettings(
        db=sqlite_url,
        http=True,
        rate_limit="3/minute",
        jwt_public_key=SecretStr(keys.public_key),
        jwt_issuer=issuer,
        jwt_audience=audience,
    )

    def jwt(subject: str, minutes: int) -> str:
        claims = {"account": "demo"}
        return keys.create_token(
            subject, issuer, audience, ["catalog:read"], expires_in_seconds=minutes * 60, additional_claims=claims
        )

    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base, httpx.AsyncClient() as http:
            url = f"{base}/mcp"
            for token in (jwt("bot-a", 60), jwt("bot-a", 61), jwt("bot-a", 62)):
                assert (await http.post(url, json=LIST_TOOLS, headers=bearer(token))).status_code != 429
            fresh_for_a = await http.post(url, json=LIST_TOOLS, headers=bearer(jwt("bot-a", 63)))
            other_subject = await http.post(url, json=LIST_TOOLS, headers=bearer(jwt("bot-b", 60)))
    assert fresh_for_a.status_code == 429  # a newly issued token does not reset the subject's budget
    assert other_subject.status_code != 429


async def test_an_unreachable_redis_lets_requests_through_and_says_so(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = CatalogSettings(
        db=sqlite_url, http=True, rate_limit="1/minute", redis_url=SecretStr(f"redis://127.0.0.1:{free_port()}/0")
    )
    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base, httpx.AsyncClient() as http:
            statuses = [(await http.post(f"{base}/mcp", json=LIST_TOOLS, headers=ACCEPT)).status_code for _ in range(2)]
    assert 429 not in statuses
    assert "rate limit store unreachable, request let through" in caplog.text


@pytest.mark.parametrize(
    ("value", "problem"),
    [("banana", "rate limit 'banana' is not like '600/minute'"), ("5/fortnight", "is not like")],
)
def test_a_bad_rate_limit_setting_is_refused_with_the_expected_form(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        CatalogSettings(rate_limit=value)


def test_rate_limits_can_be_turned_off_and_default_to_one_real_use_never_hits() -> None:
    assert CatalogSettings(rate_limit="off").rate_limit == "off"
    assert CatalogSettings().rate_limit == "600/minute"
    # The settings take the default without parsing it (to start without `limits`): it must parse.
    assert [str(item) for item in parse_rate_limit(CatalogSettings().rate_limit)] == ["600 per 1 minute"]


def test_a_local_window_moves_counts_each_limit_and_forgets_idle_keys() -> None:
    now = [1000.0]
    windows = LocalWindows(parse_rate_limit("2/second; 3/minute"), clock=lambda: now[0])
    assert windows.spend("a") is None and windows.spend("a") is None
    refused = windows.spend("a")  # third in the same second: the per-second limit refuses, retry in 1 s
    assert refused is not None and str(refused.limit) == "2 per 1 second" and refused.retry_after_seconds == 1
    assert windows.spend("b") is None  # another caller has a budget of its own
    now[0] += 1.5  # the first two left the one-second window, not the minute
    assert windows.spend("a") is None  # the minute's third
    refused = windows.spend("a")
    assert refused is not None and str(refused.limit) == "3 per 1 minute"
    assert refused.retry_after_seconds == 59  # the oldest of the minute's three leaves it 58.5 s from now
    now[0] += 60
    assert windows.spend("a") is None  # the minute's window has moved past all three
    now[0] += 61
    windows.spend("c")  # a spend after the longest window sweeps out keys idle that long
    assert {key for key, _ in windows.hits} == {"c"}
