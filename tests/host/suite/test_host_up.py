"""`salient up` as a subprocess: five servers healthy, the web chat served, a turn answered, a quiet conversation's
e-mail summary delivered to a real SMTP server, SIGTERM stops it all.

The model is the loopback OpenAI-compatible stand-in (openai_fake.py) reached through the real provider code; the
data directory is a fresh XDG_DATA_HOME and the ports come from `--port-base`, so a developer's own `salient up` on
8100-8105 is left alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import socket
import uuid
from pathlib import Path

import httpx
import pytest
from host_support import SALIENT, clean_env, write_config
from mail_support import SECRET, Received, SmtpSink, parts
from openai_fake import FakeOpenAI
from support import ROOT, serve_asgi

# The library's embedding model, where the repository's set-up puts it (../shared/models/README.md).
LIBRARY_MODEL = (ROOT / "../shared/models/all-MiniLM-L6-v2/onnx").resolve()
SERVERS = {"catalog": 1, "crm": 2, "scheduling": 3, "library": 4, "crossfeed": 5}


def free_port_base() -> int:
    """A port whose next five are free too (the web chat and the five servers)."""
    for _ in range(200):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base, base + 6):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no six free ports in a row")


def up_config(directory: Path, model_url: str, smtp_port: int, chat_url: str) -> Path:
    raw = {
        # Over stdio as written: `salient up` must reach the suite's HTTP servers instead.
        "servers": {
            "catalog": {"command": "salient-catalog", "args": ["--demo", "--log-level", "WARNING"]},
            "crm": {"command": "salient-crm", "args": ["--demo"]},
        },
        "agents": {
            "sales": {
                "description": "test agent",
                "instructions": "agents/test.md",
                "model": {"name": "gpt-4o-mini", "base_url": f"{model_url}/v1", "api_key_env": "FAKE_LLM_KEY"},
                "servers": {"catalog": {"tools": ["search_products"]}, "crm": {"tools": ["upsert_contact"]}},
                # A summary once a conversation has been quiet for 1.2 s.
                "summaries": {"inactivity_minutes": 0.02},
            },
            "support": {"description": "no model", "instructions": "agents/test.md", "servers": {"catalog": {}}},
        },
        "accounts": {"demo": {"agents": ["sales", "support"]}},
        "mail": {
            "from_address": "Brightwell <sales@brightwell.example>",
            "brand": "Brightwell",
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": 10},
            "unsubscribe_url": f"{chat_url}/mail/unsubscribe",
        },
    }
    return write_config(directory / "config", raw)


def output_of(log: Path) -> str:
    return log.read_text()


async def wait_for(url: str, process: asyncio.subprocess.Process, log: Path, within: float) -> float:
    """Seconds until `url` answers 200; fails if `salient up` exits first."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            assert process.returncode is None, f"salient up exited early:\n{output_of(log)}"
            assert loop.time() - started < within, f"{url} did not answer within {within} s:\n{output_of(log)}"
            try:
                if (await client.get(url)).status_code == 200:
                    return loop.time() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)


async def turn(client: httpx.AsyncClient, agent: str, text: str) -> dict[str, object]:
    client.cookies.clear()  # an API client: the bearer token, no cookies (so no CSRF token either)
    started = await client.post("/api/sessions", json={"agent": agent})
    assert started.status_code == 201, started.text
    session = started.json()
    reply = await client.post(
        f"/api/sessions/{session['id']}/messages",
        json={"text": text, "client_message_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.mark.timeout(300)
async def test_up_serves_healthy_servers_and_the_chat_and_stops_on_sigterm(tmp_path: Path) -> None:
    fake = FakeOpenAI()
    base = free_port_base()
    env = clean_env(
        XDG_DATA_HOME=str(tmp_path / "data"),
        FAKE_LLM_KEY="sk-loopback",
        SALIENT_WEB_ADMIN_TOKEN="test-admin-token-0123456789",
        SALIENT_MAIL_SECRET=SECRET,
    )
    env.pop("SALIENT_HOST_DATABASE_URL", None)
    if LIBRARY_MODEL.is_dir():
        env["SALIENT_LIBRARY_MODEL_DIR"] = str(LIBRARY_MODEL)
    chat = f"http://127.0.0.1:{base}"
    with SmtpSink() as sink:
        async with serve_asgi(fake.app()) as model_url:
            await _run_up(tmp_path, env, base, up_config(tmp_path, model_url, sink.port, chat), fake, sink)
    # Every server process went with it: nothing answers on the suite's ports any more.
    async with httpx.AsyncClient(timeout=2) as client:
        for offset in range(6):
            with pytest.raises(httpx.TransportError):
                await client.get(f"http://127.0.0.1:{base + offset}/healthz")
    assert "stopping..." in output_of(tmp_path / "up.log")
    assert not (tmp_path / "data" / "salient" / "suite.json").exists()


async def _run_up(
    tmp_path: Path, env: dict[str, str], base: int, config: Path, fake: FakeOpenAI, sink: SmtpSink
) -> None:
    log = tmp_path / "up.log"
    chat = f"http://127.0.0.1:{base}"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            SALIENT, "up", "--port-base", str(base), "--config", str(config),
            stdout=output, stderr=output, env=env, cwd=ROOT, start_new_session=True,
        )  # fmt: skip
    try:
        await wait_for(f"{chat}/chat/demo/sales", process, log, within=240)
        async with httpx.AsyncClient(base_url=chat, timeout=120) as client:
            demo = await client.get("/demo")
            # Sent as soon as the chat answers, while the servers may still be starting: the turn waits for them.
            answered = await turn(client, "sales", "glucose meter")
        async with httpx.AsyncClient(timeout=5) as client:
            for name, offset in SERVERS.items():
                health = await client.get(f"http://127.0.0.1:{base + offset}/healthz")
                assert health.status_code == 200, f"salient-{name}: {health.text}\n{output_of(log)}"
        async with httpx.AsyncClient(base_url=chat, timeout=60) as client:
            no_model = await turn(client, "support", "hello")
            saved = await turn(client, "sales", "Please follow up with me at dana.up@example.com")
            status = await client.get(
                "/api/admin/status", headers={"Authorization": "Bearer test-admin-token-0123456789"}
            )
            # The conversation that left an address goes quiet: its summary goes out by itself.
            mail = await _first_mail(sink, "dana.up@example.com", process, log)
            link = re.search(r"<(http://[^>]+)>", str(mail.message["List-Unsubscribe"]))
            assert link is not None, mail.message
            unsubscribe = await client.get(link.group(1))
            client.cookies.clear()  # a mail client's one-click POST carries no cookie and no CSRF token
            one_click = await client.post(link.group(1), data={"List-Unsubscribe": "One-Click"})
        printed = output_of(log)
        # Advertised for `salient ask` and `chat` while it runs (suite/state.py), removed when it stops.
        state = json.loads((tmp_path / "data" / "salient" / "suite.json").read_text())
        assert state["servers"] == {name: f"http://127.0.0.1:{base + offset}/mcp" for name, offset in SERVERS.items()}
        assert state["pid"] == process.pid and state["web"] == chat
        assert demo.status_code == 200 and "widget.js" in demo.text
        assert answered["status"] == "answered", answered
        assert str(answered["output"]).startswith("The best match is "), answered
        assert [(c["server"], c["tool"]) for c in answered["tool_calls"]] == [("catalog", "search_products")]  # type: ignore[index,union-attr]
        assert fake.requests, "the model was asked through the OpenAI provider"
        # An agent with no model still chats: the turn says how to configure one.
        assert no_model["status"] == "failed" and no_model["error"]["code"] == "no_model", no_model  # type: ignore[index]
        assert "No model is configured for agent 'support'" in no_model["error"]["message"]  # type: ignore[index]
        assert saved["output"] == "Thanks, I saved your details (dana.up@example.com).", saved
        # The configured stdio servers are reached over the suite's HTTP endpoints.
        states = {s["name"]: (s["transport"], s["state"]) for s in status.json()}
        assert states == {"catalog": ("http", "up"), "crm": ("http", "up")}, states
        # The summary: written by the agent's model, to the visitor only (no rep was chosen), unsubscribe served.
        assert mail.recipients == ["dana.up@example.com"]
        assert "You asked: Please follow up with me at dana.up@example.com" in parts(mail.message)["text"]
        assert unsubscribe.status_code == 200 and "Unsubscribe" in unsubscribe.text, unsubscribe.text
        assert one_click.status_code == 200 and "unsubscribed" in one_click.text, one_click.text
        assert len(sink.to("dana.up@example.com")) == 1, "one summary per conversation"
        for shown in (f"{chat}/", f"{chat}/demo", f"{chat}/admin", f"http://127.0.0.1:{base + 1}/mcp", "mcpServers"):
            assert shown in printed, printed

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0, output_of(log)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


async def _first_mail(sink: SmtpSink, address: str, process: asyncio.subprocess.Process, log: Path) -> Received:
    for _ in range(150):
        assert process.returncode is None, f"salient up exited early:\n{output_of(log)}"
        if found := sink.to(address):
            return found[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no summary reached {address} within 30 s:\n{output_of(log)}")


async def test_a_second_up_on_busy_ports_names_the_port_and_starts_nothing(tmp_path: Path) -> None:
    base = free_port_base()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", base + 2))  # the crm's port, held as a first suite would hold it
        holder.listen()
        env = clean_env(XDG_DATA_HOME=str(tmp_path / "data"))
        process = await asyncio.create_subprocess_exec(
            SALIENT, "up", "--port-base", str(base), "--no-web",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    said = out.decode()
    assert process.returncode == 2, said
    assert f"Port {base + 2} (for salient-crm) is already in use" in said, said
    suggested = re.search(r"salient up --port-base (\d+)\n", said)
    assert suggested is not None and int(suggested.group(1)) != base, said
    assert " up " not in said.replace("salient up", "") and "Errno" not in said and "Traceback" not in said
    # Nothing was started: the other servers' ports are still free.
    for offset in (1, 3, 4, 5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", base + offset))
