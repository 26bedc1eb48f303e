"""`salient ask`, `salient config check` and `salient servers status` as subprocesses, as a user runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from host_support import (
    DEFAULT_CONFIG,
    agent,
    clean_env,
    run_salient,
    stdio_server,
    table_rows,
    tiny_server,
    write_config,
)
from openai_fake import FakeOpenAI
from starlette.types import Receive, Scope, Send
from support import serve_asgi
from tiny_server import build


def sales_config(tmp_path: Path, model: object | None) -> Path:
    raw: dict[str, object] = {
        "servers": {"catalog": stdio_server("catalog", tmp_path / "catalog.db")},
        "agents": {"sales": agent({"catalog": ["search_products", "get_product"]})},
    }
    if model is not None:
        raw["model"] = model
    return write_config(tmp_path / "config", raw)


async def test_ask_drives_an_openai_compatible_server_through_a_real_tool_call(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    async with serve_asgi(fake.app()) as base:
        model = {"name": "fake-gpt", "base_url": f"{base}/v1", "api_key_env": "FAKE_LLM_KEY"}
        path = sales_config(tmp_path, model)
        env = clean_env(FAKE_LLM_KEY="sk-loopback")
        done = await run_salient("ask", "--agent", "sales", "--config", str(path), "glucose meter", env=env)
        as_json = await run_salient("ask", "-a", "sales", "-c", str(path), "--json", "glucose meter", env=env)
    assert done.code == 0, done.stderr
    first, second = fake.requests[0], fake.requests[1]
    assert first.authorization == "Bearer sk-loopback" and first.body["model"] == "fake-gpt"
    assert sorted(t["function"]["name"] for t in first.body["tools"]) == [
        "catalog_get_product",
        "catalog_search_products",
    ]
    assert first.body["messages"][0] == {"role": "system", "content": "Answer from tools."}
    tool_message = second.body["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    top = json.loads(tool_message["content"])["hits"][0]["product"]
    lines = done.stdout.splitlines()
    assert lines[:2] == ["tool calls (1):", '  catalog.search_products({"query": "glucose meter"}) -> ok']
    assert lines[-1] == f"The best match is {top['name']} at {top['price_from']['amount']} USD."
    assert as_json.code == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["output"] == lines[-1] and report["model"] == f"fake-gpt at {base}/v1"
    assert [(c["tool"], c["args"], c["error"]) for c in report["tool_calls"]] == [
        ("catalog.search_products", {"query": "glucose meter"}, None)
    ]
    assert report["tool_calls"][0]["result"]["hits"][0]["product"] == top
    assert report["awaiting_approval"] == [] and report["usage"]["requests"] == 2


async def test_ask_without_a_model_says_how_to_configure_one(tmp_path: Path) -> None:
    path = sales_config(tmp_path, None)
    done = await run_salient("ask", "--agent", "sales", "--config", str(path), "hi")
    assert done.code == 2 and done.stdout == ""
    assert done.stderr.startswith("No model is configured for agent 'sales'.")
    assert "export OPENROUTER_API_KEY=" in done.stderr
    unknown = await run_salient("ask", "--agent", "nobody", "--config", str(path), "--model", "test", "hi")
    assert unknown.code == 2 and f"no agent named 'nobody' in {path}; agents: sales" in unknown.stderr


@pytest.mark.timeout(300)
async def test_config_check_on_the_default_config_and_a_fresh_data_directory(tmp_path: Path) -> None:
    """Every server loads the demo company on first start, all at once, for longer than a client waits for it to
    start: each must still answer at once (the demo loads meanwhile) rather than look unreachable."""
    env = clean_env(XDG_DATA_HOME=str(tmp_path / "fresh"))
    done = await run_salient("config", "check", "--config", str(DEFAULT_CONFIG), env=env, within=150)
    assert done.code == 0, done.stdout + done.stderr
    rows = table_rows(done.stdout)
    assert set(rows) == {"catalog", "crm", "scheduling", "crossfeed", "library"}
    for server, row in rows.items():
        assert row[:2] == ["stdio", "yes"] and int(row[2]) > 5, (server, row)
    assert "note: no model configured for sales, support, concierge" in done.stdout
    # The library's demo (its documents embedded) takes longest; with the 30 s every other server gets, it answers.
    servers = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))["servers"]
    library = write_config(tmp_path / "library", {"servers": {"library": servers["library"] | {"init_timeout": 30}}})
    env = clean_env(XDG_DATA_HOME=str(tmp_path / "fresh-library"))
    alone = await run_salient("config", "check", "--config", str(library), env=env, within=60)
    assert alone.code == 0 and table_rows(alone.stdout)["library"][:2] == ["stdio", "yes"], alone.stdout


async def test_config_check_reports_broken_files_with_key_and_fix(tmp_path: Path) -> None:
    path = write_config(tmp_path, "servers:\n  catalog: {command: salient-catalog, argz: []}\nagents: {}\n")
    done = await run_salient("config", "check", "--config", str(path))
    assert done.code == 2
    assert done.stderr.strip() == (
        f"{path}: servers.catalog.argz: unknown key `argz`. Fix: rename it to `args` "
        "(keys allowed here: args, command, cwd, env, headers, init_timeout, timeout, url)"
    )


async def test_config_check_finds_what_only_the_servers_can_tell(tmp_path: Path) -> None:
    long_tool = "t" * 60
    raw = {
        "servers": {
            "catalog": stdio_server("catalog", tmp_path / "catalog.db"),
            "catalog_search": tiny_server("products"),
            "wordy": tiny_server(long_tool),
            "broken": {"command": sys.executable, "args": ["-c", "import sys; sys.exit('no database here')"]},
        },
        "agents": {"sales": agent({"catalog": ["search_products", "catalog_get_product"], "broken": ["*"]})},
    }
    path = write_config(tmp_path, raw)
    done = await run_salient("config", "check", "--config", str(path))
    assert done.code == 2
    problems = sorted(line for line in done.stdout.splitlines() if ". Fix: " in line)
    assert len(problems) == 4, done.stdout
    collision, too_long, broken, glob = (
        next(p for p in problems if f"{path}: {key}: " in p)
        for key in (
            "servers.catalog_search",
            "servers.wordy",
            "servers.broken",
            "agents.sales.servers.catalog.tools[1]",
        )
    )
    assert "'catalog_search_products' collides with the same name from server 'catalog'" in collision
    assert f"'wordy_{long_tool}' is 66 characters; the limit is 64. Fix: give the server a shorter name" in too_long
    assert "unreachable: " in broken and "(server said: no database here)" in broken
    assert "glob 'catalog_get_product' matches no tool of 'catalog'. Fix: drop the `catalog_` prefix" in glob


async def test_servers_status_shows_reachability_and_tool_counts(tmp_path: Path) -> None:
    raw = {
        "servers": {
            "tiny": tiny_server("a", "b", "c"),
            "gone": {"command": str(tmp_path / "no-such-server")},
            "sleepy": {"command": sys.executable, "args": ["-c", "import time; time.sleep(60)"], "init_timeout": 1},
        },
        "agents": {},
    }
    done = await run_salient("servers", "status", "--config", str(write_config(tmp_path, raw)))
    assert done.code == 1
    rows = table_rows(done.stdout)
    assert rows["tiny"][:3] == ["stdio", "yes", "3"] and rows["gone"][:3] == ["stdio", "no", "-"]
    assert rows["sleepy"][:3] == ["stdio", "no", "-"]
    assert "sleepy: no tool list within init_timeout=1s" in done.stdout.splitlines()
    assert any(line.startswith("gone: ") for line in done.stdout.splitlines())


async def test_servers_status_over_streamable_http_with_a_token_from_the_environment(tmp_path: Path) -> None:
    seen: list[str | None] = []

    async def record_authorization(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            seen.append(dict(scope["headers"]).get(b"authorization", b"").decode() or None)
        await app(scope, receive, send)

    app = build(["lookup", "search"]).http_app(path="/mcp")
    async with serve_asgi(record_authorization) as base:
        raw = {"servers": {"remote": {"url": f"{base}/mcp", "headers": {"Authorization": "Bearer ${REMOTE_TOKEN}"}}}}
        path = write_config(tmp_path, raw)
        done = await run_salient("servers", "status", "--config", str(path), env=clean_env(REMOTE_TOKEN="tok-1"))
    assert done.code == 0, done.stdout + done.stderr
    assert table_rows(done.stdout)["remote"][:3] == ["http", "yes", "2"]
    assert seen and set(seen) == {"Bearer tok-1"}


async def test_ask_goes_on_without_a_server_that_did_not_start_and_says_so(tmp_path: Path) -> None:
    raw = {
        "servers": {"broken": {"command": sys.executable, "args": ["-c", "raise SystemExit('cannot open database')"]}},
        "agents": {"sales": agent({"broken": ["*"]})},
    }
    done = await run_salient("ask", "-a", "sales", "-c", str(write_config(tmp_path, raw)), "--model", "test", "hi")
    # A dead server degrades the agent (its tools withdrawn, the person told) instead of failing the question.
    assert done.code == 0, done.stderr
    assert "notice: The broken server is unavailable right now; its tools are withdrawn." in done.stderr
    assert "cannot open database" in done.stderr  # the server's own stderr reaches the user
    assert done.stdout.startswith("tool calls (0):")


async def test_ask_exits_3_when_a_destructive_call_awaits_approval(tmp_path: Path) -> None:
    raw = {
        "servers": {"crm": stdio_server("crm", tmp_path / "crm.db")},
        "agents": {"sales": agent({"crm": ["archive_record"]})},
    }
    path = write_config(tmp_path, raw)
    # pydantic-ai's `test` model calls every tool it is offered once, with arguments made from the schema.
    done = await run_salient("ask", "-a", "sales", "-c", str(path), "--model", "test", "--json", "tidy up")
    assert done.code == 3, done.stderr
    report = json.loads(done.stdout)
    assert report["output"] is None and report["tool_calls"] == []
    assert [c["tool"] for c in report["awaiting_approval"]] == ["crm.archive_record"]
