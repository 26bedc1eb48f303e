"""The host's memory on SQLite and PostgreSQL, secrets kept out of it, and what each request is priced at."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from engine_support import collect, engine_for, scripted
from genai_prices import Usage, calc_price
from host_support import agent
from pydantic_ai import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.usage import RequestUsage
from salient_core.db import Database
from salient_core.migrate import current_revision
from salient_host.cli.memory import parse_since
from salient_host.config.schema import Price
from salient_host.engine.redact import REDACTED, redact
from salient_host.llm.pricing import Pricer
from salient_host.memory import DuplicateClientMessage, Store, database_url
from salient_host.memory.store import MIGRATIONS
from salient_host.web.admin_view import AdminView
from sqlalchemy import inspect


async def test_store_round_trip_on_each_database(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        assert await current_revision(store.db, MIGRATIONS) == "host_0003"
        async with store.db.engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"host_sessions", "host_messages", "host_llm_requests", "host_tool_calls"} <= tables
        assert "alembic_version_host" in tables  # its own version table, beside any server's in the same database
        async with store.db.engine.connect() as connection:
            indexes = await connection.run_sync(lambda c: inspect(c).get_indexes("host_sessions"))
        by_name = {i["name"]: i["column_names"] for i in indexes}
        assert by_name["ix_host_sessions_agent_updated_at"] == ["agent", "updated_at"]  # the summary sweep's scan

        session = await store.create_session(account="demo", agent="sales", origin={"utm_source": "mail"})
        other = await store.create_session(account="acme", agent="sales")
        history = [
            ModelRequest(parts=[UserPromptPart("Find a meter")], instructions="Be brief."),
            ModelResponse(parts=[ToolCallPart("catalog_search_products", {"query": "meter"}, "c1")]),
            ModelRequest(parts=[ToolReturnPart("catalog_search_products", {"hits": []}, "c1")]),
            ModelResponse(parts=[TextPart("None found.")], usage=RequestUsage(input_tokens=5, output_tokens=3)),
        ]
        first = await store.add_message(
            session, turn_id="t1", role="user", text="Find a meter", model_messages=history[:1], client_message_id="m1"
        )
        await store.add_message(
            session,
            turn_id="t1",
            role="assistant",
            text="None found.",
            model_messages=history[1:],
            status="awaiting_approval",  # set in the message's own transaction
        )
        with pytest.raises(DuplicateClientMessage):
            await store.add_message(session, turn_id="t2", role="user", text="again", client_message_id="m1")
        await store.add_message(other, turn_id="t3", role="user", text="elsewhere", client_message_id="m1")

        assert [(m.seq, m.role) for m in await store.messages(session.id)] == [(0, "user"), (1, "assistant")]
        assert await store.model_history(session.id) == history
        assert (await store.message_by_client_id(session.id, "m1")).id == first.id  # type: ignore[union-attr]
        assert await store.get_session(session.id, account="acme") is None
        found = await store.get_session(session.id, account="demo")
        assert found is not None and found.title == "Find a meter" and found.origin == {"utm_source": "mail"}
        assert found.status == "awaiting_approval"

        for cost in (Decimal("0.0000123456"), None):
            await store.record_request(
                session,
                turn_id="t1",
                provider="openai",
                model="gpt-4o",
                input_tokens=100,
                output_tokens=20,
                cost_usd=cost,
                latency_ms=12.5,
            )
        await store.record_request(
            other,
            turn_id="t3",
            provider="openai",
            model="gpt-4o",
            input_tokens=1,
            output_tokens=0,
            cost_usd=Decimal(0),
            latency_ms=1,
            error="HTTP 500",
        )
        spent = await store.spent(account="demo")
        assert (spent.requests, spent.tokens, spent.cost_usd, spent.unpriced) == (2, 240, Decimal("0.0000123456"), 1)
        assert (await store.spent(agent="sales")).requests == 3
        assert (await store.spent(since=datetime.now(UTC) + timedelta(minutes=1))).requests == 0
        usage = await store.usage()
        assert [(u.account, u.requests, u.errors, u.input_tokens, u.unpriced) for u in usage] == [
            ("acme", 1, 1, 1, 0),
            ("demo", 2, 0, 200, 1),
        ]

        await store.record_tool_call(
            session,
            turn_id="t1",
            call_id="c1",
            server="crm",
            tool="archive_record",
            args={},
            outcome="awaiting_approval",
        )
        await store.record_tool_call(
            session,
            turn_id="t2",
            call_id="c1",
            server="crm",
            tool="archive_record",
            args={},
            outcome="ok",
            duration_ms=3,
        )
        [call] = await store.tool_calls(session.id)
        assert (call.turn_id, call.outcome, call.duration_ms) == ("t1", "ok", 3)  # updated, still the asking turn's

        listed = await store.list_sessions(account="demo")
        assert [(s.session.id, s.messages, s.cost_usd) for s in listed] == [(session.id, 2, Decimal("0.0000123456"))]
        assert {s.session.id for s in await store.list_sessions()} == {session.id, other.id}
    finally:
        await store.close()


async def test_opening_twice_migrates_once(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    for _ in range(2):
        store = await Store.open(url)
        await store.close()
    db = Database(url)
    try:
        assert await current_revision(db, MIGRATIONS) == "host_0003"
    finally:
        await db.close()


def test_the_database_comes_from_the_flag_the_environment_or_the_data_directory(tmp_path, monkeypatch) -> None:
    assert database_url("sqlite:///x.db", {"SALIENT_HOST_DATABASE_URL": "postgresql://h/db"}) == "sqlite:///x.db"
    assert database_url(None, {"SALIENT_HOST_DATABASE_URL": "postgresql://h/db"}) == "postgresql://h/db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url(None, {}) == f"sqlite:///{tmp_path / 'salient' / 'host.db'}"


def test_secrets_are_redacted_at_any_depth() -> None:
    args = {
        "email": "ana@example.com",
        "password": "hunter2",
        "idempotency_key": "k-1",
        "auth": {"Authorization": "Bearer x", "api_key": "sk", "scheme": "bearer"},
        "items": [{"client_secret": "s", "name": "n"}],
        "refresh_token": "r",
    }
    assert redact(args) == {
        "email": "ana@example.com",
        "password": REDACTED,
        "idempotency_key": "k-1",
        "auth": REDACTED,
        "items": [{"client_secret": REDACTED, "name": "n"}],
        "refresh_token": REDACTED,
    }
    assert args["password"] == "hunter2"  # a copy; the call itself still gets its arguments


def response(model: str, provider: str | None, url: str | None = None) -> ModelResponse:
    return ModelResponse(
        parts=[TextPart("hi")],
        usage=RequestUsage(input_tokens=1000, output_tokens=200),
        model_name=model,
        provider_name=provider,
        provider_url=url,
    )


def test_prices_come_from_genai_prices_then_the_configuration(caplog: pytest.LogCaptureFixture) -> None:
    pricer = Pricer({"llama3.1": Price(input_usd_per_million=0.5, output_usd_per_million=1.5)}, source="salient.yaml")
    expected = calc_price(Usage(input_tokens=1000, output_tokens=200), "gpt-4o", provider_id="openai").total_price
    # A loopback URL genai-prices does not know falls back to the provider's name.
    assert pricer.price(response("gpt-4o", "openai", "http://127.0.0.1:9/v1/")) == expected > 0
    assert pricer.price(response("llama3.1", "openai", "http://127.0.0.1:11434/v1/")) == Decimal("0.0008")
    with caplog.at_level(logging.WARNING, logger="salient_host.llm.pricing"):
        assert pricer.price(response("house-model", "openai")) is None
        assert pricer.price(response("house-model", "openai")) is None
    [warning] = caplog.messages
    assert "no price known for model 'house-model'" in warning and "prices: {house-model:" in warning
    unmeasured = response("gpt-4o", "openai")
    unmeasured.usage.unmeasured_requests = 1
    assert pricer.price(unmeasured) is None  # a response without usage is unknown, not free


def test_since_takes_spans_and_dates() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 11, 18, 12, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert parse_since("2026-11-01", now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_since(None, now) is None


async def test_the_admin_view_reads_sessions_transcripts_and_usage(tmp_path) -> None:
    async with engine_for(tmp_path, scripted(lambda m, i: "Hello there."), agents={"sales": agent({})}) as engine:
        sessions = [await engine.start(account=a, agent="sales") for a in ("demo", "demo", "acme")]
        for session in sessions:
            await collect(engine.send(session.id, "Hi", account=session.account, client_message_id="1"))
        admin = AdminView(engine.store)
        first = await admin.list_sessions(limit=2)
        second = await admin.list_sessions(limit=2, cursor=first.next_cursor)
        demo = await admin.list_sessions(account="demo")
        detail = await admin.session_detail(sessions[0].id)
        missing = await admin.session_detail("0" * 32)
        usage = await admin.usage()
    assert first.total == 3 and len(first.items) == 2 and first.next_cursor is not None
    assert second.next_cursor is None and {s.session.id for s in first.items + second.items} == {s.id for s in sessions}
    assert {s.session.id for s in demo.items} == {sessions[0].id, sessions[1].id} and demo.total == 2
    assert first.items[0].messages == 2 and first.items[0].cost_usd is None  # "scripted" has no price here
    assert detail is not None and [(m.role, m.text) for m in detail.messages] == [
        ("user", "Hi"),
        ("assistant", "Hello there."),
    ]
    assert detail.input_tokens > 0 and missing is None
    assert [(u.account, u.agent, u.sessions, u.requests, u.cost_usd) for u in usage] == [
        ("acme", "sales", 1, 1, None),
        ("demo", "sales", 2, 2, None),
    ]
