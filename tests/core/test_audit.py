"""The audit log of write tool calls: who, which token, what (secrets redacted), when and how it ended."""

from __future__ import annotations

import json
import logging
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from catalog_support import load
from fastmcp import Client, FastMCP
from fastmcp.exceptions import ToolError
from fastmcp.server.auth.providers.jwt import RSAKeyPair
from pydantic import Field, SecretStr
from salient_catalog.server import build_server
from salient_catalog.settings import CatalogSettings
from salient_core.app import CORE_MIGRATIONS, ServerSpec, audit_log, create_server, token_store
from salient_core.audit import MAX_TEXT, AuditLog, AuditWrites, parse_since
from salient_core.db import Database
from salient_core.errors import InvalidInput
from salient_core.http import build_http_app
from salient_core.middleware import Stacked
from salient_core.migrate import upgrade
from salient_core.models import ApiToken
from salient_core.settings import ServerSettings
from sqlalchemy import select, text
from support import console_script, serve_asgi

RESTOCK = {"sku": "BW-TITAN", "delta": 5, "idempotency_key": "audit-restock-1", "reason": "delivery"}


async def entries(url: str, account: str = "demo", **filters: object) -> list[dict[str, object]]:
    async with audit_log(CatalogSettings(db=url), "catalog") as log:
        found = await log.list(account=account, **filters)  # pyright: ignore[reportArgumentType]
    return [
        {"tool": e.tool, "outcome": e.outcome, "token_id": e.token_id, "arguments": e.arguments, "error": e.error}
        for e in found
    ]


async def test_http_writes_are_audited_with_token_outcome_and_arguments(db_url: str) -> None:
    await load(db_url)
    settings = CatalogSettings(db=db_url, http=True)
    async with token_store(settings, "catalog") as store:
        reader, read = await store.create(account="demo", scopes=["catalog:read"], name="reader")
        writer, write = await store.create(account="demo", scopes=["catalog:write"], name="operator")
        _, other = await store.create(account="other", scopes=["catalog:write"], name="other shop")
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base:
            async with Client(f"{base}/mcp", auth=write) as operator:
                await operator.call_tool("adjust_stock", RESTOCK)
                with pytest.raises(ToolError, match="BW-NOPE"):
                    await operator.call_tool(
                        "adjust_stock", {**RESTOCK, "sku": "BW-NOPE", "idempotency_key": "k-nope-1"}
                    )
                await operator.call_tool("search_products", {"query": "wheelchair"})  # a read: not audited
            async with Client(f"{base}/mcp", auth=read) as client:
                with pytest.raises(ToolError, match="needs the 'catalog:write' scope"):
                    await client.call_tool("adjust_stock", {**RESTOCK, "idempotency_key": "k-refused-1"})
            async with Client(f"{base}/mcp", auth=other) as client:
                with pytest.raises(ToolError):
                    await client.call_tool("adjust_stock", {**RESTOCK, "idempotency_key": "k-other-1"})

    logged = await entries(db_url)
    assert [(e["outcome"], e["token_id"]) for e in logged] == [
        ("refused", reader.id),
        ("error", writer.id),
        ("ok", writer.id),
    ]
    assert {e["tool"] for e in logged} == {"adjust_stock"}
    assert logged[2]["arguments"] == RESTOCK and logged[2]["error"] is None
    assert "needs the 'catalog:write' scope" in str(logged[0]["error"])
    assert "BW-NOPE" in str(logged[1]["error"])
    assert [e["outcome"] for e in await entries(db_url, account="other")] == ["error"]  # each account its own
    assert await entries(db_url, tool="search_products") == []


async def test_a_jwt_callers_subject_is_audited(sqlite_url: str) -> None:
    await load(sqlite_url)
    keys = RSAKeyPair.generate()
    settings = CatalogSettings(
        db=sqlite_url,
        http=True,
        jwt_public_key=SecretStr(keys.public_key),
        jwt_issuer="https://id.example",
        jwt_audience="salient-catalog",
    )
    token = keys.create_token(
        subject="ops-bot",
        issuer="https://id.example",
        audience="salient-catalog",
        scopes=["catalog:write"],
        additional_claims={"account": "demo", "azp": "stock-sync"},
    )
    async with token_store(settings, "catalog") as store:
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base, Client(f"{base}/mcp", auth=token) as client:
            await client.call_tool("adjust_stock", RESTOCK)
    async with audit_log(settings, "catalog") as log:
        (entry,) = await log.list(account="demo")
    assert (entry.outcome, entry.token_id, entry.subject) == ("ok", "stock-sync", "ops-bot")


def tiny_server(url: str) -> FastMCP:
    """A server built on core alone, with a write tool whose arguments hold a secret and a long text."""
    spec = ServerSpec("tiny", CORE_MIGRATIONS, open_state=lambda db, settings: None)
    mcp = create_server(spec, ServerSettings(db=url), instructions="A test server.")

    @mcp.tool(tags={"write"})
    async def save_note(
        body: Annotated[str, Field(description="Text.")],
        api_key: Annotated[str, Field(description="A credential.")],
        outcome: Annotated[str, Field(description="ok, invalid or crash.")] = "ok",
    ) -> dict[str, str]:
        """Save a note."""
        if outcome == "invalid":
            raise InvalidInput("That note is not valid.", hint="Send a shorter one.")
        if outcome == "crash":
            raise RuntimeError("the disk is on fire")
        return {"saved": body[:10]}

    return mcp


async def test_secrets_are_redacted_long_texts_shortened_and_failures_audited(sqlite_url: str) -> None:
    async with Client(tiny_server(sqlite_url)) as client:
        await client.call_tool("save_note", {"body": "x" * (MAX_TEXT + 500), "api_key": "sk-live-123"})
        with pytest.raises(ToolError, match="That note is not valid"):
            await client.call_tool("save_note", {"body": "b", "api_key": "sk-live-123", "outcome": "invalid"})
        with pytest.raises(ToolError, match="Internal error in 'save_note'") as crashed:
            await client.call_tool("save_note", {"body": "c", "api_key": "sk-live-123", "outcome": "crash"})
    db = Database(sqlite_url)
    try:
        found = list(reversed(await AuditLog(db).list(account="demo")))
    finally:
        await db.close()
    assert [e.outcome for e in found] == ["ok", "error", "error"]
    assert all(e.arguments["api_key"] == "[redacted]" and e.token_id is None for e in found)  # stdio: the local user
    assert found[0].arguments["body"] == "x" * MAX_TEXT + "... [500 more characters]"
    assert found[1].error == "That note is not valid. Send a shorter one."
    assert found[2].error == str(crashed.value)  # what the client saw, masked: not the disk
    assert "fire" not in str(found[2].error)
    assert "sk-live-123" not in json.dumps([e.arguments for e in found])


async def test_a_broken_audit_log_never_fails_or_undoes_a_write(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    await load(db_url)
    async with Client(build_server(CatalogSettings(db=db_url))) as client:
        db = Database(db_url)
        try:
            async with db.transaction() as session:  # break the log under the running server
                await session.execute(text("ALTER TABLE audit_log RENAME TO audit_log_gone"))
        finally:
            await db.close()
        with caplog.at_level(logging.ERROR, logger="salient_core.audit"):
            change = (await client.call_tool("adjust_stock", RESTOCK)).structured_content
        assert change is not None and change["stock_after"] == 7
        stock = (await client.call_tool("check_availability", {"sku": "BW-TITAN"})).structured_content
        assert stock is not None and stock["stock"] == 7  # the write stands
    assert "could not write the audit entry for 'adjust_stock'" in caplog.text


def test_every_server_installs_the_audit_middleware(sqlite_url: str) -> None:
    from importlib.metadata import entry_points

    for entry in entry_points(group="salient.servers"):
        server = entry.load()(db=sqlite_url)
        layers = [layer for m in server.middleware for layer in (m.layers if isinstance(m, Stacked) else [m])]
        assert any(isinstance(m, AuditWrites) for m in layers), entry.name


async def test_the_audit_table_arrives_by_migration_and_tokens_stay(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        await upgrade(db, CORE_MIGRATIONS, target="core_0001")
        async with db.transaction() as session:
            session.add(ApiToken(id="tok_old", account_id="demo", name="", digest="d" * 64, scopes=["catalog:read"]))
        await upgrade(db, CORE_MIGRATIONS)
        async with db.session() as session:
            assert (await session.scalars(select(ApiToken.id))).all() == ["tok_old"]
        assert await AuditLog(db).list(account="demo") == []
    finally:
        await db.close()


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30m", NOW - timedelta(minutes=30)),
        ("12h", NOW - timedelta(hours=12)),
        ("7d", NOW - timedelta(days=7)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T09:30:00+01:00", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
    ],
)
def test_since_takes_dates_times_and_ages(value: str, expected: datetime) -> None:
    assert parse_since(value, now=NOW) == expected


@pytest.fixture
async def audited(tmp_path) -> list[str]:
    """A catalog database with three audited calls (two restocks, one unknown SKU), and the CLI args to list them."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    await load(url)
    async with Client(build_server(CatalogSettings(db=url))) as client:
        await client.call_tool("adjust_stock", RESTOCK)
        await client.call_tool("adjust_stock", {**RESTOCK, "idempotency_key": "audit-restock-2"})
        with pytest.raises(ToolError):
            await client.call_tool("adjust_stock", {**RESTOCK, "sku": "BW-NOPE", "idempotency_key": "k-nope-1"})
    return [console_script("salient-catalog"), "--db", url, "audit", "list", "--account", "demo"]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


async def test_audit_list_filters_by_tool_time_and_count(audited: list[str]) -> None:
    url = audited[2]
    everything = await entries(url)
    assert [e["outcome"] for e in everything] == ["error", "ok", "ok"]  # newest first
    assert [e["arguments"]["idempotency_key"] for e in await entries(url, limit=2)] == ["k-nope-1", "audit-restock-2"]
    assert await entries(url, tool="check_availability") == []
    assert len(await entries(url, since=datetime.now(UTC) - timedelta(hours=1))) == 3
    assert await entries(url, since=datetime.now(UTC) + timedelta(minutes=1)) == []


@pytest.mark.timeout(300)  # a console script takes seconds to start on a busy machine
async def test_audit_list_cli_prints_json(audited: list[str]) -> None:
    listed = run([*audited, "--json", "--tool", "adjust_stock", "--since", "1h", "--limit", "2"])
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert [(e["tool"], e["outcome"], e["token_id"]) for e in found] == [
        ("adjust_stock", "error", None),
        ("adjust_stock", "ok", None),
    ]
    assert found[1]["arguments"] == {**RESTOCK, "idempotency_key": "audit-restock-2"}
    assert "BW-NOPE" in found[0]["error"] and found[0]["account"] == "demo"


@pytest.mark.timeout(300)
async def test_audit_list_cli_refuses_a_bad_since(audited: list[str]) -> None:
    refused = run([*audited, "--since", "last tuesday"])
    assert refused.returncode == 2
    assert "--since 'last tuesday' is neither a date" in " ".join(refused.stderr.split())
    assert refused.stdout == ""


async def test_a_bad_limit_is_refused(sqlite_url: str) -> None:
    with pytest.raises(InvalidInput, match="limit must be between 1 and 1000, got 0"):
        await entries(sqlite_url, limit=0)
