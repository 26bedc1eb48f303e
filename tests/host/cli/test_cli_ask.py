"""`salient ask` as a user and a script meet it: bad input refused before anything starts, progress while servers
start (on stderr only), a running `salient up` reused, and a model that cannot be reached named with its fix."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from host_support import TINY_SERVER, agent, clean_env, run_salient, tiny_server, write_config
from openai_fake import FakeOpenAI
from salient_host.engine.message_rules import MAX_MESSAGE_CHARS
from support import free_port, serve_asgi, serve_process

TINY_HTTP = [sys.executable, str(TINY_SERVER)]


def tiny_config(tmp_path: Path, **top: Any) -> Path:
    raw: dict[str, Any] = {
        "servers": {"tiny": tiny_server("search_products"), "spare": tiny_server("unused")},
        "agents": {"sales": agent({"tiny": ["*"]})},
        **top,
    }
    return write_config(tmp_path / "config", raw)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("", "The message is empty. Type something to send."),
        ("   \n ", "The message is empty. Type something to send."),
        ("x" * (MAX_MESSAGE_CHARS + 1), f"the limit is {MAX_MESSAGE_CHARS}. Shorten it"),
    ],
)
async def test_ask_refuses_a_bad_message_before_opening_anything(tmp_path: Path, question: str, said: str) -> None:
    db = tmp_path / "host.db"
    path = tiny_config(tmp_path)
    common = ["ask", "-a", "sales", "-c", str(path), "--db", f"sqlite:///{db}", "--model", "test"]
    done = await run_salient(*common, question)
    as_json = await run_salient(*common, "--json", question)
    assert done.code == 2 and said in done.stderr and done.stdout == ""
    assert as_json.code == 2 and said in json.loads(as_json.stdout)["error"]["message"]
    assert not db.exists()  # nothing stored, nothing started: the host's database was not even opened


async def test_ask_refuses_an_unknown_agent_or_a_missing_model_before_opening_anything(tmp_path: Path) -> None:
    db = tmp_path / "host.db"
    path = tiny_config(tmp_path)
    common = ["ask", "-c", str(path), "--db", f"sqlite:///{db}"]
    unknown = await run_salient(*common, "-a", "nobody", "--model", "test", "--json", "hi")
    no_model = await run_salient(*common, "-a", "sales", "--json", "hi")
    assert unknown.code == 2 and f"no agent named 'nobody' in {path}" in unknown.stderr
    assert json.loads(unknown.stdout)["error"]["code"] == "unknown_agent"
    assert no_model.code == 2 and no_model.stderr.startswith("No model is configured for agent 'sales'.")
    assert json.loads(no_model.stdout)["error"]["code"] == "no_model"
    assert not db.exists()


async def test_ask_starts_only_the_agents_servers_and_shows_progress_on_stderr(tmp_path: Path) -> None:
    path = tiny_config(tmp_path)
    done = await run_salient("ask", "-a", "sales", "-c", str(path), "--model", "test", "--json", "hi")
    assert done.code == 0, done.stderr
    report = json.loads(done.stdout)  # stdout is the JSON object alone
    assert report["output"] is not None
    assert "starting tiny" in done.stderr and "tiny: ready" in done.stderr
    assert "spare" not in done.stderr  # configured, but not one of the agent's servers


async def test_ask_reuses_the_servers_of_a_running_salient_up(tmp_path: Path) -> None:
    """`salient up` leaves its endpoints in the data directory; `ask` uses them when they answer."""
    data = tmp_path / "data"
    port = free_port()
    raw = {
        "servers": {"catalog": {"command": "salient-catalog", "args": ["--demo", "--log-level", "WARNING"]}},
        "agents": {"sales": agent({"catalog": ["search_products"]})},
    }
    path = write_config(tmp_path / "config", raw)
    env = clean_env(XDG_DATA_HOME=str(data))
    state = data / "salient" / "suite.json"
    state.parent.mkdir(parents=True)
    with serve_process(
        [*TINY_HTTP, "--http", str(port), "search_products"],
        ready_url=f"http://127.0.0.1:{port}/healthz",
        log=tmp_path / "tiny.log",
    ):
        url = f"http://127.0.0.1:{port}/mcp"
        state.write_text(json.dumps({"pid": os.getpid(), "servers": {"catalog": url}, "web": None}))
        started = time.monotonic()
        done = await run_salient("ask", "-a", "sales", "-c", str(path), "--model", "test", "--json", "hi", env=env)
        seconds = time.monotonic() - started
    assert done.code == 0, done.stderr
    assert f"catalog: the running salient up at {url}" in done.stderr
    # tiny_server's echo answered, not the real catalog (whose results are products).
    [call] = json.loads(done.stdout)["tool_calls"]
    assert call["tool"] == "catalog.search_products" and call["result"].startswith("search_products: ")
    assert seconds < 60

    # A state file left by a suite that is gone is ignored: the configured stdio server starts.
    state.write_text(json.dumps({"pid": 2**22 + 7, "servers": {"catalog": url}, "web": None}))
    stale = await run_salient("ask", "-a", "sales", "-c", str(path), "--model", "test", "--json", "hi", env=env)
    assert stale.code == 0, stale.stderr
    assert "running salient up" not in stale.stderr and "starting catalog" in stale.stderr


def model_config(tmp_path: Path, base_url: str) -> Path:
    return tiny_config(tmp_path, model={"name": "gpt-4o-mini", "base_url": base_url, "api_key_env": "FAKE_LLM_KEY"})


async def test_an_unreachable_model_is_named_with_its_agent_and_fix(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    path = model_config(tmp_path, url)
    env = clean_env(FAKE_LLM_KEY="sk-loopback")
    done = await run_salient("ask", "-a", "sales", "-c", str(path), "hi", env=env)
    as_json = await run_salient("ask", "-a", "sales", "-c", str(path), "--json", "hi", env=env)
    assert done.code == 1 and as_json.code == 1
    said = done.stderr
    assert f"Cannot reach the model gpt-4o-mini at {url}" in said and "Agent 'sales' uses it" in said, said
    assert "salient config check" in said
    report = json.loads(as_json.stdout)
    assert report["error"]["code"] == "model_unreachable" and url in report["error"]["message"]
    assert report["session_id"] and report["output"] is None


async def test_config_check_probes_each_model_endpoint(tmp_path: Path) -> None:
    fake = FakeOpenAI(require_key="sk-right")
    async with serve_asgi(fake.app()) as base:
        path = model_config(tmp_path / "ok", f"{base}/v1")
        good = await run_salient("config", "check", "-c", str(path), env=clean_env(FAKE_LLM_KEY="sk-right"))
        refused = await run_salient("config", "check", "-c", str(path), env=clean_env(FAKE_LLM_KEY="sk-wrong"))
    down_url = f"http://127.0.0.1:{free_port()}/v1"
    down_path = model_config(tmp_path / "down", down_url)
    down = await run_salient("config", "check", "-c", str(down_path), env=clean_env(FAKE_LLM_KEY="sk-right"))
    assert good.code == 0, good.stdout + good.stderr
    assert refused.code == 2, refused.stdout
    assert f"model: the model endpoint {base}/v1 refused the key in FAKE_LLM_KEY (HTTP 401)" in refused.stdout
    assert down.code == 2 and f"model: cannot reach the model endpoint {down_url}" in down.stdout, down.stdout


async def test_no_pydantic_ai_banner_interrupts_the_answer(tmp_path: Path) -> None:
    """pydantic-ai prints a first-run banner (Logfire advice) to a terminal or a coding agent; the host's runs
    are the host's own output, so it never appears."""
    env = {k: v for k, v in clean_env(CLAUDECODE="1").items() if k not in ("PYTEST_VERSION", "CI")}
    done = await run_salient("ask", "-a", "sales", "-c", str(tiny_config(tmp_path)), "--model", "test", "hi", env=env)
    assert done.code == 0, done.stderr
    assert "observability" not in done.stderr and "logfire" not in done.stderr.lower(), done.stderr
