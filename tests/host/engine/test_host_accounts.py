"""A conversation's servers act for its own account: a write in `acme` lands in `acme` and `demo` never sees it.

Real servers throughout: the CRM over stdio (one process per account, from one configuration that says `--demo`)
and over HTTP (each account's own token), driven by scripted models; what landed is read back through the server
as each account, and from the CRM's database.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from engine_support import collect, scripted, tool_result
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from host_support import agent, stdio_server, write_config
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnFinished
from salient_host.memory import Store
from support import console_script, free_port, serve_process

CRM = console_script("salient-crm")
ACCOUNTS = {"demo": {"agents": ["sales"]}, "acme": {"agents": ["sales"]}}


def save_the_email(messages: list[ModelMessage], info: AgentInfo) -> Any:
    """Upsert the contact whose email the person gave, then say what the CRM answered."""
    result = tool_result(messages)
    if result is not None:
        return f"Saved: {result.model_response_str()}"
    email = str(messages[-1].parts[-1].content).split()[-1]  # pyright: ignore[reportAttributeAccessIssue]
    return [("crm_upsert_contact", {"email": email, "first_name": "Visitor"})]


@asynccontextmanager
async def engine(directory: Path, raw: dict[str, Any], env: dict[str, str] | None = None) -> AsyncIterator[Any]:
    config = load_config(write_config(directory / "config", raw), env or {})
    store = await Store.open(f"sqlite:///{directory / 'host.db'}")
    try:
        async with ConversationEngine(config, store, model=scripted(save_the_email)) as running:
            yield running
    finally:
        await store.close()


async def save(engine: ConversationEngine, account: str, email: str) -> list[Any]:
    session = await engine.start(account=account, agent="sales")
    return await collect(engine.send(session.id, f"Note me: {email}", account=account, client_message_id="1"))


async def emails_seen(client: Client[Any], *emails: str) -> set[str]:
    seen: set[str] = set()
    for email in emails:
        found = await client.call_tool("search_records", {"object_type": "contact", "query": email})
        assert found.structured_content is not None
        seen |= {r["properties"]["email"] for r in found.structured_content["items"]}
    return seen & set(emails)


async def seen_over_stdio(db: Path, account: str, *emails: str) -> set[str]:
    """What `account` finds of `emails`, asking its own CRM process (not the host's)."""
    args = ["--account", account, "--db", f"sqlite:///{db}", "--log-level", "WARNING"]
    async with Client(StdioTransport(CRM, args, keep_alive=False)) as client:
        return await emails_seen(client, *emails)


def owners_in_db(db: Path, *emails: str) -> dict[str, str]:
    with sqlite3.connect(db) as con:
        marks = ",".join("?" * len(emails))
        rows = con.execute(f"SELECT email, account_id FROM crm_contacts WHERE email IN ({marks})", emails).fetchall()
    con.close()
    return dict(rows)


async def test_an_acme_write_over_stdio_lands_in_acme_and_demo_never_sees_it(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    # The CRM's database made first: two processes migrating one new SQLite file at the same moment collide.
    assert await seen_over_stdio(db, "demo", "nobody@example.com") == set()
    # As the shipped configuration writes it: `--demo` in the args. Only the demo account's process may get it.
    raw = {
        "servers": {"crm": stdio_server("crm", db)},
        "agents": {"sales": agent({"crm": ["upsert_contact"]})},
        "accounts": ACCOUNTS,
    }
    async with engine(tmp_path, raw) as running:
        acme, demo = await asyncio.gather(
            save(running, "acme", "ada@acme.example"), save(running, "demo", "dora@demo.example")
        )
        held = {key[0] for key in running.connections._held}  # pyright: ignore[reportPrivateUsage]
    for events in (acme, demo):
        assert isinstance(events[-1], TurnFinished)
        assert '"created":true' in str(events[-1].output).replace(" ", "")
    assert held == {"acme", "demo"}  # two accounts side by side, each over its own process
    assert owners_in_db(db, "ada@acme.example", "dora@demo.example") == {
        "ada@acme.example": "acme",
        "dora@demo.example": "demo",
    }
    assert await seen_over_stdio(db, "acme", "ada@acme.example", "dora@demo.example") == {"ada@acme.example"}
    assert await seen_over_stdio(db, "demo", "ada@acme.example", "dora@demo.example") == {"dora@demo.example"}


def create_token(db: Path, account: str) -> str:
    done = subprocess.run(
        [CRM, "--db", f"sqlite:///{db}", "tokens", "create", "--account", account, "--scopes", "crm:read,crm:write"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]  # the token, printed once


async def test_each_account_reaches_an_http_server_with_its_own_token(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    tokens = {account: create_token(db, account) for account in ("demo", "acme")}
    port = free_port()
    args = [CRM, "--http", "--port", str(port), "--db", f"sqlite:///{db}", "--log-level", "WARNING"]
    raw = {
        "servers": {"crm": {"url": f"http://127.0.0.1:{port}/mcp"}},
        "agents": {"sales": agent({"crm": ["upsert_contact"]})},
        "accounts": {
            name: {**account, "servers": {"crm": {"headers": {"Authorization": f"Bearer ${{{name.upper()}_TOKEN}}"}}}}
            for name, account in ACCOUNTS.items()
        },
    }
    env = {"DEMO_TOKEN": tokens["demo"], "ACME_TOKEN": tokens["acme"]}
    with serve_process(args, ready_url=f"http://127.0.0.1:{port}/healthz", log=tmp_path / "crm.log"):
        async with engine(tmp_path, raw, env) as running:
            acme, demo = await asyncio.gather(
                save(running, "acme", "ada@acme.example"), save(running, "demo", "dora@demo.example")
            )
        emails = ("ada@acme.example", "dora@demo.example")
        url = f"http://127.0.0.1:{port}/mcp"
        async with Client(url, auth=tokens["acme"]) as as_acme, Client(url, auth=tokens["demo"]) as as_demo:
            seen = {"acme": await emails_seen(as_acme, *emails), "demo": await emails_seen(as_demo, *emails)}
    assert [type(events[-1]) for events in (acme, demo)] == [TurnFinished, TurnFinished]
    assert seen == {"acme": {"ada@acme.example"}, "demo": {"dora@demo.example"}}
    assert owners_in_db(db, *emails) == {"ada@acme.example": "acme", "dora@demo.example": "demo"}
