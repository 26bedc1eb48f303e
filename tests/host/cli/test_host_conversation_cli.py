"""`salient ask`, `chat`, `sessions` and `usage` as subprocesses over a real OpenAI-compatible streaming endpoint.

The model is the loopback stand-in in openai_fake.py, reached through pydantic-ai's real OpenAI provider code: the
requests are streamed, and their usage (the last chunk) is what gets priced.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_support import collect, engine_for, module_servers, requests_of, scripted, tool_result
from genai_prices import Usage, calc_price
from host_support import SALIENT, agent, clean_env, run_salient, stdio_server, table_rows, write_config
from mail_support import SECRET, SmtpSink, mail_section, parts
from openai_fake import FakeOpenAI
from pydantic_ai import ModelMessage, UserPromptPart
from pydantic_ai.models.function import AgentInfo
from salient_host.engine.events import TurnFinished
from salient_host.memory import Store
from support import ROOT, serve_asgi

servers = pytest.fixture(scope="module", name="servers")(module_servers)


def config_with(tmp_path: Path, base: str, servers: dict[str, list[str]], model: str = "gpt-4o-mini") -> Path:
    raw: dict[str, Any] = {
        "model": {"name": model, "base_url": f"{base}/v1", "api_key_env": "FAKE_LLM_KEY"},
        "servers": {name: stdio_server(name, tmp_path / f"{name}.db") for name in servers},
        "agents": {"sales": agent(servers)},
        "prices": {"house-model": {"input_usd_per_million": 2.0, "output_usd_per_million": 4.0}},
    }
    return write_config(tmp_path / "config", raw)


async def stored(db: Path) -> Store:
    return await Store.open(f"sqlite:///{db}")


async def test_ask_streams_from_an_openai_endpoint_and_prices_each_request(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    db = tmp_path / "host.db"
    async with serve_asgi(fake.app()) as base:
        path = config_with(tmp_path, base, {"catalog": ["search_products"]})
        done = await run_salient(
            "ask", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}", "--json", "glucose meter",
            env=clean_env(FAKE_LLM_KEY="sk-loopback"),
        )  # fmt: skip
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    assert all(r.body["stream"] is True and r.body["stream_options"]["include_usage"] for r in fake.requests)
    assert [c["tool"] for c in report["tool_calls"]] == ["catalog.search_products"]
    assert report["output"].startswith("The best match is ")

    store = await stored(db)
    try:
        requests = await store.requests(report["session_id"])
        messages = await store.messages(report["session_id"])
    finally:
        await store.close()
    assert [(r.provider, r.model, r.status) for r in requests] == [("openai", "gpt-4o-mini", "ok")] * 2
    for request in requests:
        usage = Usage(input_tokens=request.input_tokens, output_tokens=request.output_tokens)
        expected = calc_price(usage, "gpt-4o-mini", provider_id="openai").total_price
        assert request.input_tokens > 0 and request.cost_usd == expected > 0
    assert report["usage"]["requests"] == 2
    assert report["usage"]["cost_usd"] == float(sum(r.cost_usd or 0 for r in requests))
    assert [m.role for m in messages] == ["user", "assistant"] and messages[1].text == report["output"]


async def test_ask_for_a_summary_mails_it_before_the_command_exits(tmp_path: Path) -> None:
    """The summary the agent queues goes out when `salient ask` ends: no `salient up` needed to deliver it."""
    fake = FakeOpenAI()
    db = tmp_path / "host.db"
    with SmtpSink() as sink:
        async with serve_asgi(fake.app()) as base:
            path = config_with(tmp_path, base, {})
            raw = yaml.safe_load(path.read_text())
            raw["agents"]["sales"]["summaries"] = {"inactivity_minutes": None}
            raw["mail"] = mail_section(sink.port)
            path.write_text(yaml.safe_dump(raw))
            question = "Please email me a summary at lee@example.com"
            done = await run_salient(
                "ask", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}", "--json", question,
                env=clean_env(FAKE_LLM_KEY="sk-loopback", SALIENT_MAIL_SECRET=SECRET),
            )  # fmt: skip
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["output"] == "The summary is queued: sent to lee@example.com.", report
    [mail] = sink.received
    assert mail.recipients == ["lee@example.com"]
    assert "You asked: Please email me a summary at lee@example.com" in parts(mail.message)["text"]
    # The summary's own model request is recorded and priced with the turn's.
    assert report["usage"]["requests"] == 3 and len(fake.requests) == 3


async def test_a_model_without_a_known_price_is_priced_from_the_configuration(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    db = tmp_path / "host.db"
    async with serve_asgi(fake.app()) as base:
        path = config_with(tmp_path, base, {}, model="house-model")
        done = await run_salient(
            "ask", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}", "--json", "hello",
            env=clean_env(FAKE_LLM_KEY="sk-loopback"),
        )  # fmt: skip
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)
    store = await stored(db)
    try:
        [request] = await store.requests(report["session_id"])
    finally:
        await store.close()
    expected = (request.input_tokens * 2 + request.output_tokens * 4) / 1_000_000
    assert float(request.cost_usd or 0) == report["usage"]["cost_usd"] == expected > 0


async def test_killing_the_host_mid_turn_keeps_the_message(tmp_path: Path) -> None:
    fake = FakeOpenAI(hang=True)
    db = tmp_path / "host.db"
    async with serve_asgi(fake.app()) as base:
        path = config_with(tmp_path, base, {})
        process = await asyncio.create_subprocess_exec(
            SALIENT, "ask", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}", "Please remember this.",
            env=clean_env(FAKE_LLM_KEY="sk-loopback"), cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            # The model has the question: the host is in the middle of the turn. Kill it without warning.
            await asyncio.wait_for(fake.received.wait(), 100)
        finally:
            process.kill()
            await process.wait()
    store = await stored(db)
    try:
        [summary] = await store.list_sessions()
        messages = await store.messages(summary.session.id)
    finally:
        await store.close()
    assert [(m.role, m.text) for m in messages] == [("user", "Please remember this.")]

    # The conversation goes on from there: the model sees what was said before the crash.
    seen: list[list[ModelMessage]] = []

    def answer(messages: list[ModelMessage], info: AgentInfo) -> str:
        seen.append(messages)
        return "I remember."

    async with engine_for(tmp_path / "after", scripted(answer), db=f"sqlite:///{db}") as engine:
        events = await collect(engine.send(summary.session.id, "Still there?", account="demo", client_message_id="2"))
    prompts = [p.content for r in requests_of(seen[-1]) for p in r.parts if isinstance(p, UserPromptPart)]
    assert prompts == ["Please remember this.", "Still there?"] and isinstance(events[-1], TurnFinished)


async def chat(*args: str, stdin: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        SALIENT, "chat", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=env | {"COLUMNS": "200"}, cwd=ROOT,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(stdin.encode()), 100)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def http_config(tmp_path: Path, base: str, servers: dict[str, dict[str, Any]], tools: dict[str, list[str]]) -> Path:
    raw: dict[str, Any] = {
        "model": {"name": "gpt-4o-mini", "base_url": f"{base}/v1", "api_key_env": "FAKE_LLM_KEY"},
        "servers": {name: servers[name] for name in tools},
        "agents": {"sales": agent(tools)},
    }
    return write_config(tmp_path / "config", raw)


async def test_chat_streams_and_asks_before_destructive_tools(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    fake = FakeOpenAI()
    db = f"sqlite:///{tmp_path / 'host.db'}"
    env = clean_env(FAKE_LLM_KEY="sk-loopback")
    async with serve_asgi(fake.app()) as base:
        path = http_config(tmp_path, base, servers, {"catalog": ["search_products"], "crm": ["archive_record"]})
        common = ["-a", "sales", "-c", str(path), "--db", db]
        code, out, err = await chat(*common, stdin="glucose meter\narchive contact 55\ny\n", env=env)
        assert code == 0, err
        session_id = out.split(" in session ")[1].split(".")[0]
        resumed = await chat(*common, "--session", session_id, stdin="/quit\n", env=env)
    lines = out.splitlines()
    assert '  → catalog.search_products({"query": "glucose meter"})' in lines
    assert any(line.startswith("  ← catalog.search_products ") and line.endswith(" ms ok") for line in lines)
    assert "The best match is " in out
    assert 'The agent wants to run crm.archive_record({"object_type": "contact", "id": "55"}).' in lines
    assert "Run it? [y/N]" in out and "  ← crm.archive_record " in out
    assert "Contact 55 is archived: True." in lines
    assert out.count(" tokens, $") == 3  # each turn says what it cost
    assert len(fake.requests) == 4  # search, answer; archive (held); after approval, the answer to its result

    store = await stored(tmp_path / "host.db")
    try:
        calls = await store.tool_calls(session_id)
    finally:
        await store.close()
    assert [(c.server, c.tool, c.outcome) for c in calls] == [
        ("catalog", "search_products", "ok"),
        ("crm", "archive_record", "ok"),
    ]
    code, again, err = resumed
    assert code == 0, err
    assert "Contact 55 is archived: True." in again and f"in session {session_id}" in again


async def test_ask_reports_a_held_call_that_chat_then_denies(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    fake = FakeOpenAI()
    db = f"sqlite:///{tmp_path / 'host.db'}"
    env = clean_env(FAKE_LLM_KEY="sk-loopback")
    async with serve_asgi(fake.app()) as base:
        path = http_config(tmp_path, base, servers, {"crm": ["archive_record"]})
        common = ["-a", "sales", "-c", str(path), "--db", db]
        held = await run_salient("ask", *common, "--json", "archive contact 54", env=env)
        report = json.loads(held.stdout)
        code, out, err = await chat(*common, "-s", report["session_id"], stdin="n\n", env=env)
    assert held.code == 3, held.stderr
    assert [(c["tool"], c["args"]) for c in report["awaiting_approval"]] == [
        ("crm.archive_record", {"object_type": "contact", "id": "54"})
    ]
    assert report["output"] is None and report["usage"]["requests"] == 1 and report["usage"]["cost_usd"] > 0
    assert code == 0, err
    assert "Run it? [y/N]" in out and "Not run: crm.archive_record (denied)." in out
    assert "  ← crm.archive_record" not in out


def archive_or_search(messages: list[ModelMessage], info: AgentInfo) -> Any:
    result = tool_result(messages)
    if result is not None:
        return "Done."
    question = str(messages[-1].parts[-1].content)
    if question.startswith("archive"):
        return [("crm_archive_record", {"object_type": "contact", "id": question.split()[-1], "password": "x"})]
    return [("catalog_search_products", {"query": question})]


async def test_sessions_and_usage_commands_read_what_the_host_remembers(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    db = f"sqlite:///{tmp_path / 'host.db'}"
    agents = {"sales": agent({"catalog": ["search_products"], "crm": ["archive_record"]})}
    prices = {"scripted": {"input_usd_per_million": 3.0, "output_usd_per_million": 15.0}}
    async with engine_for(
        tmp_path, scripted(archive_or_search), servers=servers, agents=agents, prices=prices, db=db
    ) as engine:
        mine = await engine.start(account="demo", agent="sales", origin={"page": "/pricing"})
        theirs = await engine.start(account="acme", agent="sales")
        await collect(engine.send(mine.id, "glucose meter", account="demo", client_message_id="1"))
        held = await collect(engine.send(mine.id, "archive contact 53", account="demo", client_message_id="2"))
        call_id = held[-2].call_id  # type: ignore[union-attr]
        await collect(engine.decide(mine.id, {call_id: False}, account="demo", client_message_id="3"))
        await collect(engine.send(theirs.id, "wheelchair", account="acme", client_message_id="1"))
        spent = await engine.store.spent()
    wide = clean_env(COLUMNS="200")
    # Independent reads, run side by side.
    listed, demo_only, shown, exported, markdown, refused, usage, usage_table = await asyncio.gather(
        run_salient("sessions", "list", "--db", db, "--json"),
        run_salient("sessions", "list", "--db", db, "--account", "demo", env=wide),
        run_salient("sessions", "show", mine.id, "--db", db, env=wide),
        run_salient("sessions", "export", mine.id, "--db", db, "--format", "json"),
        run_salient("sessions", "export", mine.id, "--db", db, "-f", "markdown", "-o", str(tmp_path / "t.md")),
        run_salient("sessions", "show", mine.id, "--db", db, "--account", "acme"),
        run_salient("usage", "--db", db, "--json", "--since", "1d"),
        run_salient("usage", "--db", db, "--account", "acme", env=wide),
    )

    sessions = json.loads(listed.stdout)
    assert {(s["id"], s["account"], s["title"]) for s in sessions} == {
        (mine.id, "demo", "glucose meter"),
        (theirs.id, "acme", "wheelchair"),
    }
    assert list(table_rows(demo_only.stdout)) == [mine.id]
    assert table_rows(demo_only.stdout)[mine.id][:3] == ["demo", "sales", "glucose meter"]
    assert 'catalog.search_products({"query": "glucose meter"}) -> ok' in shown.stdout
    assert 'crm.archive_record({"object_type": "contact", "id": "53", "password": "[redacted]"}) -> denied' in (
        shown.stdout
    )
    assert "decision> denied crm.archive_record" in shown.stdout

    data = json.loads(exported.stdout)
    assert data["session"]["origin"] == {"page": "/pricing"}
    assert [m["role"] for m in data["messages"]] == ["user", "assistant", "user", "assistant", "decision", "assistant"]
    assert [c["outcome"] for m in data["messages"] for c in m.get("tool_calls", [])] == ["ok", "denied"]
    assert data["usage"]["requests"] == 4 and data["usage"]["unpriced_requests"] == 0
    text = (tmp_path / "t.md").read_text()
    assert markdown.code == 0 and text.startswith("# glucose meter\n") and "**You** (" in text
    assert '> `crm.archive_record` {"object_type": "contact", "id": "53", "password": "[redacted]"}: denied' in text
    assert refused.code == 2 and f"no session {mine.id!r} for account 'acme'" in refused.stderr

    rows = json.loads(usage.stdout)
    assert [(r["account"], r["agent"], r["model"], r["requests"], r["errors"]) for r in rows] == [
        ("acme", "sales", "scripted", 2, 0),
        ("demo", "sales", "scripted", 4, 0),
    ]
    assert sum(r["cost_usd"] for r in rows) == float(spent.cost_usd) > 0
    table = table_rows(usage_table.stdout)
    assert table["acme"][:3] == ["sales", "scripted", "2"] and "demo" not in table and "total" in table
