"""The catalog over real streamable HTTP (uvicorn on a free port): auth, scopes, Host/Origin, both protocol eras."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from pydantic import SecretStr
from salient_catalog.server import build_server
from salient_catalog.settings import CatalogSettings
from salient_core.app import token_store
from salient_core.http import UnsafeBind, build_http_app
from support import serve_asgi

LIST_TOOLS = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass
class Running:
    url: str
    base: str
    read_token: str
    write_token: str
    other_token: str


@pytest.fixture
async def running(catalog_url: str) -> AsyncIterator[Running]:
    settings = CatalogSettings(db=catalog_url, http=True)
    async with token_store(settings, "catalog") as store:
        _, read = await store.create(account="demo", scopes=["catalog:read"], name="reader")
        _, write = await store.create(account="demo", scopes=["catalog:write"], name="operator")
        _, other = await store.create(account="other", scopes=["catalog:read"], name="other shop")
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "tokens"
        async with serve_asgi(plan.app) as base:
            yield Running(f"{base}/mcp", base, read, write, other)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_both_protocol_eras_search_over_http(running: Running, mode: str) -> None:
    async with Client(running.url, auth=running.read_token, mode=mode) as client:  # pyright: ignore[reportArgumentType]
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        result = await client.call_tool("search_products", {"query": "wheelchair"})
        assert result.structured_content is not None and result.structured_content["total"] == 3


async def test_no_token_is_401(running: Running) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(running.url, json=LIST_TOOLS, headers=ACCEPT)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        bad = await http.post(running.url, json=LIST_TOOLS, headers={**ACCEPT, "Authorization": "Bearer sal_forged"})
        assert bad.status_code == 401


async def test_read_token_cannot_write(running: Running) -> None:
    args = {"sku": "BW-TITAN", "delta": 5, "idempotency_key": "http-restock-1"}
    async with Client(running.url, auth=running.read_token) as reader:
        with pytest.raises(ToolError) as caught:
            await reader.call_tool("adjust_stock", args)
        assert "needs the 'catalog:write' scope; this token has: catalog:read" in str(caught.value)
        stock = (await reader.call_tool("check_availability", {"sku": "BW-TITAN"})).structured_content
        assert stock is not None and stock["stock"] == 2
    async with Client(running.url, auth=running.write_token) as operator:
        change = (await operator.call_tool("adjust_stock", args)).structured_content
        assert change is not None and change["stock_after"] == 7


async def test_account_comes_from_the_token(running: Running) -> None:
    async with Client(running.url, auth=running.other_token) as client:
        result = (await client.call_tool("search_products", {"query": "wheelchair"})).structured_content
        assert result is not None and result["total"] == 0


async def test_revoked_token_is_refused(catalog_url: str) -> None:
    settings = CatalogSettings(db=catalog_url, http=True)
    async with token_store(settings, "catalog") as store:
        record, token = await store.create(account="demo", scopes=["catalog:read"])
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base:
            async with Client(f"{base}/mcp", auth=token) as client:
                await client.list_tools()
            await store.revoke(record.id)
            async with httpx.AsyncClient() as http:
                headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
                assert (await http.post(f"{base}/mcp", json=LIST_TOOLS, headers=headers)).status_code == 401


@pytest.mark.parametrize(
    ("extra", "status", "body"),
    [
        ({"Origin": "http://evil.example"}, 403, "Forbidden Origin"),
        ({"Host": "evil.example"}, 421, "Misdirected Request"),
    ],
)
async def test_dns_rebinding_guard(running: Running, extra: dict[str, str], status: int, body: str) -> None:
    async with httpx.AsyncClient() as http:
        headers = {**ACCEPT, "Authorization": f"Bearer {running.read_token}", **extra}
        response = await http.post(running.url, json=LIST_TOOLS, headers=headers)
        assert (response.status_code, response.text) == (status, body)


async def test_healthz_needs_no_token(running: Running) -> None:
    # The search index is built after start (warm-up): until then /healthz says "starting" with 503, also untokened.
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            response = await http.get(f"{running.base}/healthz")
            if response.json()["status"] != "starting":
                break
            assert response.status_code == 503
            await asyncio.sleep(0.05)
    assert (response.status_code, response.json()) == (200, {"status": "ok", "server": "salient-catalog"})


async def test_jwt_names_the_account(catalog_url: str) -> None:
    keys = RSAKeyPair.generate()
    settings = CatalogSettings(
        db=catalog_url,
        http=True,
        jwt_public_key=SecretStr(keys.public_key),
        jwt_issuer="https://id.example",
        jwt_audience="salient-catalog",
    )
    good = keys.create_token(
        issuer="https://id.example",
        audience="salient-catalog",
        scopes=["catalog:read"],
        additional_claims={"account": "demo"},
    )
    no_account = keys.create_token(issuer="https://id.example", audience="salient-catalog", scopes=["catalog:read"])
    wrong_audience = keys.create_token(
        issuer="https://id.example",
        audience="other",
        scopes=["catalog:read"],
        additional_claims={"account": "demo"},
    )
    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "jwt"
        async with serve_asgi(plan.app) as base:
            async with Client(f"{base}/mcp", auth=good) as client:
                result = (await client.call_tool("search_products", {"query": "monitor"})).structured_content
                assert result is not None and result["total"] == 2
            async with httpx.AsyncClient() as http:
                for token in (no_account, wrong_audience):
                    headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
                    assert (await http.post(f"{base}/mcp", json=LIST_TOOLS, headers=headers)).status_code == 401


async def test_refuses_to_listen_beyond_loopback_without_auth(sqlite_url: str) -> None:
    settings = CatalogSettings(db=sqlite_url, http=True, host="0.0.0.0")
    async with token_store(settings, "catalog") as store:
        with pytest.raises(UnsafeBind, match=r"Refusing to listen on '0\.0\.0\.0' without auth"):
            await build_http_app(build_server(settings), settings, store)
        await store.create(account="demo", scopes=["catalog:read"])
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "tokens"


async def test_loopback_without_tokens_serves_openly(sqlite_url: str) -> None:
    settings = CatalogSettings(db=sqlite_url, http=True, demo=True)
    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        assert plan.auth_mode == "none (loopback only)"
        async with serve_asgi(plan.app) as base, Client(f"{base}/mcp") as client:
            result = (await client.call_tool("search_products", {"query": "wheelchair"})).structured_content
            assert result is not None and result["total"] > 10
