"""Time for `salient up` to answer its first chat request: spawn to servers healthy, web chat up, first reply.

`salient up --port-base B --config C` runs as a subprocess, as a person would start it: the shipped
config/salient.yaml (five servers, three agents) with one line added, a top-level `model:` that points every agent at
a small OpenAI-compatible stand-in on loopback (in this script; it streams like the real API). Timed from the
spawn, polling every 50 ms:

- **servers healthy**: the five servers' `/healthz` all answer 200 (each server's own time is in a second table);
- **web chat answering**: `GET /chat/demo/sales` answers 200;
- **first reply**: a client that sent its first chat as soon as the chat answered has the whole reply:
  `POST /api/sessions`, then `POST /api/sessions/{id}/messages` (JSON, the turn followed to its end). The model
  answers in plain text, so no tool is called; the agent still connects to its five servers for the tool list;
- then, not counted in the phases above, two more chats, each in a new session: one whose model calls
  `catalog_search_products` once, one plain again (the first chat's cost without first-request work); and the time
  from SIGTERM to `salient up` exiting with its servers;
- for each process of the suite (`salient up` and the servers' process or processes), read from /proc: its CPU
  time (user + system) when the chat page first answered, and its resident memory after the three chats. CPU time
  does not grow with what else the machine runs, so it compares starts made under different loads.

Each run starts once on a fresh data directory (cold: every server creates its database and loads the demo company,
the library embeds its demo corpus) and once more on the same directory (warm). Free ports, a private
XDG_DATA_HOME; `salient up` is stopped with SIGTERM, then killed, whatever happens.

The baseline, in the same run: each server started alone (`salient-<name> --http --demo`, one after another, cold on
a fresh directory then warm), spawn to `/healthz`. `salient up` starts the five at once, so on an idle machine with
cores to spare its servers phase would be the slowest one alone; the sum of the five is what they cost one core.

    SALIENT_LIBRARY_MODEL_DIR=... uv run python bench/up_first_chat.py [--runs 3] [--no-solo] [--keep-logs DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from common import BIN, Goal, console, percentile, print_table, record
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {"catalog": 1, "crm": 2, "scheduling": 3, "library": 4, "crossfeed": 5}  # offsets from --port-base
AGENT = "sales"
PLAIN = "Hello! What can you do?"
SEARCH = "search: glucose meter"
PLAIN_ANSWER = "Hello from the bench model: ask me about products."
KEY_ENV = "BENCH_FAKE_LLM_KEY"
POLL = 0.05
START_WITHIN = 300.0
# Lines in `salient up`'s output worth a second look.
SUSPECT = re.compile(r"traceback|error|exception|exited with code|failed|warning", re.IGNORECASE)


class FakeModel:
    """OpenAI-compatible chat completions: plain text, unless asked "search: ..." with a search tool on offer."""

    def __init__(self) -> None:
        self.requests = 0

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"])])

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests += 1
        message, finish = self.decide(body)
        if body.get("stream"):
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(self.chunks(body, message, finish, usage), media_type="text/event-stream")
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return JSONResponse(
            {**self.head(body), "object": "chat.completion", "choices": [choice], "usage": usage_of(body)}
        )

    def decide(self, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        last = body["messages"][-1]
        if last["role"] == "tool":
            try:
                hits = json.loads(text_of(last["content"])).get("hits") or []
            except (json.JSONDecodeError, AttributeError):
                hits = []
            name = hits[0]["product"]["name"] if hits else "nothing"
            return {"role": "assistant", "content": f"The best match is {name}."}, "stop"
        question = text_of(last["content"])
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        search = next((name for name in tools if name.endswith("search_products")), None)
        if not question.startswith("search:") or search is None:
            return {"role": "assistant", "content": PLAIN_ANSWER}, "stop"
        arguments = json.dumps({"query": question.removeprefix("search:").strip()})
        call = {"id": f"call_{self.requests}", "type": "function", "function": {"name": search, "arguments": arguments}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"

    def head(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"chatcmpl-{self.requests}", "created": int(time.time()), "model": body["model"]}

    async def chunks(
        self, body: dict[str, Any], message: dict[str, Any], finish: str, usage: bool
    ) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            payload = {**self.head(body), "object": "chat.completion.chunk", "choices": [choice]}
            return f"data: {json.dumps(payload)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for word in re.findall(r"\S+\s*", message.get("content") or ""):
            yield chunk({"content": word})
        for index, call in enumerate(message.get("tool_calls") or []):
            part = {"index": index, "id": call["id"], "type": "function", "function": call["function"]}
            yield chunk({"tool_calls": [part]})
        yield chunk({}, finish)
        if usage:
            payload = {**self.head(body), "object": "chat.completion.chunk", "choices": [], "usage": usage_of(body)}
            yield f"data: {json.dumps(payload)}\n\n"
        yield "data: [DONE]\n\n"


def usage_of(body: dict[str, Any]) -> dict[str, int]:
    prompt = len(json.dumps(body["messages"])) // 4
    return {"prompt_tokens": prompt, "completion_tokens": 12, "total_tokens": prompt + 12}


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if part.get("type") == "text")


def free_port_base() -> int:
    """A port whose next five are free too: the web chat, then the five servers."""
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


def bench_config(directory: Path, model_url: str) -> Path:
    """The shipped configuration and agent instructions, with every agent's model set to the stand-in."""
    shutil.copytree(ROOT / "config" / "agents", directory / "agents")
    raw = yaml.safe_load((ROOT / "config" / "salient.yaml").read_text(encoding="utf-8"))
    raw["model"] = {"name": "gpt-4o-mini", "base_url": f"{model_url}/v1", "api_key_env": KEY_ENV}
    path = directory / "salient.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def up_env(data: Path) -> dict[str, str]:
    """This environment without model, configuration or database choices; a private data directory."""
    drop = {"SALIENT_MODEL", "SALIENT_CONFIG", "OPENROUTER_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.endswith("DATABASE_URL")}
    return env | {"XDG_DATA_HOME": str(data), KEY_ENV: "sk-loopback"}


@dataclass
class Start:
    """One start of `salient up`: seconds from the spawn unless named otherwise."""

    servers: dict[str, float] = field(default_factory=dict)
    all_servers: float = 0.0
    web: float = 0.0
    first_reply: float = 0.0
    first_turn: float = 0.0  # the first chat's own requests: start the session, send, whole reply
    tool_turn: float = 0.0  # a later chat whose model calls search_products once
    later_turn: float = 0.0  # then a plain chat again: what the first one costs without first-request work
    stop: float = 0.0  # SIGTERM to exit
    rss: dict[str, float] = field(default_factory=dict)  # MB per process of the suite after the three chats
    cpu_at_web: dict[str, float] = field(default_factory=dict)  # CPU seconds per process when the chat answered
    exit_code: int | None = None
    suspect: list[str] = field(default_factory=list)


async def chat(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    client.cookies.clear()  # an API client: the bearer token, no cookie (so no CSRF token either)
    started = await client.post("/api/sessions", json={"agent": AGENT})
    started.raise_for_status()
    session = started.json()
    reply = await client.post(
        f"/api/sessions/{session['id']}/messages",
        json={"text": text, "client_message_id": uuid.uuid4().hex},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    reply.raise_for_status()
    return reply.json()


async def poll(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def run_start(config: Path, data: Path, log: Path) -> Start:
    base = free_port_base()
    result = Start()
    with log.open("ab") as output:
        output.write(f"\n===== salient up --port-base {base} (XDG_DATA_HOME={data}) =====\n".encode())
        output.flush()
        t0 = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            str(BIN / "salient"), "up", "--port-base", str(base), "--config", str(config),
            stdout=output, stderr=output, env=up_env(data), cwd=ROOT, start_new_session=True,
        )  # fmt: skip
    try:
        since = lambda: time.perf_counter() - t0  # noqa: E731
        chat_url = f"http://127.0.0.1:{base}"
        waiting = {name: f"http://127.0.0.1:{base + offset}/healthz" for name, offset in SERVERS.items()}
        async with httpx.AsyncClient(timeout=2) as client:

            async def servers_up() -> None:
                while waiting:
                    names = list(waiting)
                    answers = await asyncio.gather(*(poll(client, waiting[n]) for n in names))
                    for name, ok in zip(names, answers, strict=True):
                        if ok:
                            result.servers[name] = since()
                            del waiting[name]
                    if waiting:
                        await asyncio.sleep(POLL)

            servers = asyncio.create_task(servers_up())
            try:
                while not result.web:
                    if process.returncode is not None:
                        raise RuntimeError(f"salient up exited with {process.returncode}; see {log}")
                    if since() > START_WITHIN:
                        raise RuntimeError(f"not up after {START_WITHIN:.0f} s; still waiting for {sorted(waiting)}")
                    if await poll(client, f"{chat_url}/chat/demo/{AGENT}"):
                        result.web = since()
                        result.cpu_at_web = tree_stat(process.pid)[1]
                    else:
                        await asyncio.sleep(POLL)
                # The chat may answer before the servers do: the first message is sent at once, as a person would.
                async with httpx.AsyncClient(base_url=chat_url, timeout=120) as chat_client:
                    sent = time.perf_counter()
                    plain = await chat(chat_client, PLAIN)
                    result.first_reply, result.first_turn = since(), time.perf_counter() - sent
                await asyncio.wait_for(servers, START_WITHIN)
            finally:
                servers.cancel()
        result.all_servers = max(result.servers.values())
        async with httpx.AsyncClient(base_url=chat_url, timeout=120) as client:
            if plain.get("status") != "answered" or plain.get("output") != PLAIN_ANSWER or plain.get("tool_calls"):
                raise RuntimeError(f"unexpected first reply: {plain}")
            sent = time.perf_counter()
            tool = await chat(client, SEARCH)
            result.tool_turn = time.perf_counter() - sent
            calls = [(c["server"], c["tool"], c["ok"]) for c in tool.get("tool_calls") or []]
            found = str(tool.get("output")).startswith("The best match is ") and "nothing" not in str(tool["output"])
            if tool.get("status") != "answered" or calls != [("catalog", "search_products", True)] or not found:
                raise RuntimeError(f"unexpected tool-call reply: {tool}")
            sent = time.perf_counter()
            again = await chat(client, PLAIN)
            result.later_turn = time.perf_counter() - sent
            if again.get("output") != PLAIN_ANSWER:
                raise RuntimeError(f"unexpected third reply: {again}")
        result.rss = tree_stat(process.pid)[0]
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        result.exit_code = await asyncio.wait_for(process.wait(), 30)
        result.stop = time.perf_counter() - stopping
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: `salient up` and the servers it started
                await process.wait()
    result.suspect = suspect_lines(log)
    # Every server must have gone with `salient up`.
    async with httpx.AsyncClient(timeout=1) as client:
        left = [
            name for name, offset in SERVERS.items() if await poll(client, f"http://127.0.0.1:{base + offset}/healthz")
        ]
    if left:
        result.suspect.append(f"still answering after salient up exited: {', '.join(left)}")
    return result


async def solo(name: str, data: Path) -> float:
    """Seconds from spawning one server alone to its `/healthz` answering (the baseline)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [str(BIN / f"salient-{name}"), "--http", "--port", str(port), "--log-level", "WARNING", "--demo"]
    t0 = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=up_env(data), cwd=ROOT
    )
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            while not await poll(client, f"http://127.0.0.1:{port}/healthz"):
                if process.returncode is not None:
                    raise RuntimeError(f"salient-{name} exited with {process.returncode}")
                if time.perf_counter() - t0 > START_WITHIN:
                    raise RuntimeError(f"salient-{name} not up after {START_WITHIN:.0f} s")
                await asyncio.sleep(POLL)
        return time.perf_counter() - t0
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


def tree_stat(root: int) -> tuple[dict[str, float], dict[str, float]]:
    """Resident memory (MB) and CPU time so far (user + system, s) of `root` and every process below it, by a short
    name (Linux /proc). CPU time does not depend on what else the machine runs, unlike the wall-clock phases."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    rss: dict[str, float] = {}
    cpu: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        words = [a.decode() for a in args if a]
        name = next((w for w in words if w.startswith("salient_core.suite")), None) or Path(words[1]).name
        if name in rss:
            name = f"{name} ({pid})"
        rss[name] = kb / 1024
        cpu[name] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return rss, cpu


def suspect_lines(log: Path) -> list[str]:
    """Lines of the last start's output that look like trouble."""
    text = log.read_text(errors="replace").rsplit("=====", 1)[-1]
    return [line.strip() for line in text.splitlines() if SUSPECT.search(line)]


async def serve(app: Starlette) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{port}"


def stats(values: list[float]) -> list[float]:
    return [percentile(values, 50), min(values), max(values)]


PHASES: list[tuple[str, Callable[[Start], float]]] = [
    ("spawn -> 5 servers healthy", lambda s: s.all_servers),
    ("spawn -> web chat answering", lambda s: s.web),
    ("spawn -> first reply received", lambda s: s.first_reply),
    ("  of which: servers -> web", lambda s: s.web - s.all_servers),
    ("  of which: web -> first reply", lambda s: s.first_reply - s.web),
    ("first chat: session + message", lambda s: s.first_turn),
    ("second chat, 1 tool call", lambda s: s.tool_turn),
    ("third chat, plain again", lambda s: s.later_turn),
    ("SIGTERM -> exited", lambda s: s.stop),
]
HEADER = ["cold p50", "min", "max", "warm p50", "min", "max", "warm/cold"]


async def main(runs: int, with_solo: bool, keep_logs: Path | None) -> None:
    if not os.environ.get("SALIENT_LIBRARY_MODEL_DIR"):
        console.print("[yellow]SALIENT_LIBRARY_MODEL_DIR is not set: salient-library may not start.[/yellow]")
    fake = FakeModel()
    server, task, model_url = await serve(fake.app())
    starts: dict[str, list[Start]] = {"cold": [], "warm": []}
    alone: dict[str, dict[str, list[float]]] = {kind: {name: [] for name in SERVERS} for kind in starts}
    try:
        with tempfile.TemporaryDirectory(prefix="salient-bench-up-") as scratch:
            work = Path(scratch)
            config = bench_config(work, model_url)
            logs = keep_logs or work / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            for run in range(runs):
                for kind in starts:  # warm: the same data directory, started a second time
                    start = await run_start(config, work / f"data-{run}", logs / f"up-{run}.log")
                    starts[kind].append(start)
                    console.print(
                        f"run {run + 1}/{runs} {kind}: servers {start.all_servers:.2f} s, web {start.web:.2f} s, "
                        f"first reply {start.first_reply:.2f} s, tool turn {start.tool_turn:.2f} s, "
                        f"stop {start.stop:.2f} s (exit {start.exit_code})"
                    )
                if with_solo:
                    for kind in alone:
                        for name in SERVERS:
                            alone[kind][name].append(await solo(name, work / f"solo-{run}"))
                    console.print(
                        f"run {run + 1}/{runs} alone: "
                        + ", ".join(f"{k} {sum(alone[k][n][-1] for n in SERVERS):.2f} s in all" for k in alone)
                    )
    finally:
        server.should_exit = True
        await task

    rows: list[list[object]] = []
    for name, of in PHASES:
        cold, warm = stats([of(s) for s in starts["cold"]]), stats([of(s) for s in starts["warm"]])
        rows.append([name, *cold, *warm, warm[0] / cold[0]])
    print_table(f"salient up, {runs} cold and {runs} warm starts (s)", ["phase", *HEADER], rows)

    rows = []
    for name in SERVERS:
        cold, warm = stats([s.servers[name] for s in starts["cold"]]), stats([s.servers[name] for s in starts["warm"]])
        rows.append([f"{name} in up", *cold, *warm, warm[0] / cold[0]])
    if with_solo:
        for name in SERVERS:
            cold, warm = stats(alone["cold"][name]), stats(alone["warm"][name])
            rows.append([f"{name} alone", *cold, *warm, warm[0] / cold[0]])
        for label, combine in (("slowest alone", max), ("sum of 5 alone", sum)):
            cold = stats([combine(alone["cold"][n][i] for n in SERVERS) for i in range(runs)])
            warm = stats([combine(alone["warm"][n][i] for n in SERVERS) for i in range(runs)])
            rows.append([label, *cold, *warm, warm[0] / cold[0]])
        for label, combine in (("5 in up / slowest alone", max), ("5 in up / sum of 5 alone", sum)):
            ratios = {
                kind: stats([s.all_servers / combine(alone[kind][n][i] for n in SERVERS) for i, s in enumerate(up)])
                for kind, up in starts.items()
            }
            rows.append([label, *ratios["cold"], *ratios["warm"], ""])
    print_table("spawn -> /healthz answering, each server (s)", ["server", *HEADER], rows)

    for kind, up in starts.items():
        slowest = [max(alone[kind][n][i] for n in SERVERS) for i in range(runs)] if with_solo else []
        record(
            f"salient up ({kind}), spawn to first chat reply",
            percentile([s.first_reply for s in up], 50),
            "s",
            baseline=percentile(slowest, 50) if slowest else None,
            vs="slowest server started alone, spawn to /healthz",
            goal=Goal("<=", 5.0),
            note=f"chat page answering at {percentile([s.web for s in up], 50):.1f} s",
        )
    record(
        "salient up (warm), whole suite RSS after three chats",
        percentile([sum(s.rss.values()) for s in starts["warm"]], 50),
        "MB",
        goal=Goal("<=", 600.0),
    )
    names = sorted({name for kind in starts.values() for s in kind for name in s.rss})
    rows = []
    for name in [*names, "whole suite"]:
        of = (lambda s: sum(s.rss.values())) if name == "whole suite" else (lambda s, n=name: s.rss.get(n, 0.0))
        cold, warm = stats([of(s) for s in starts["cold"]]), stats([of(s) for s in starts["warm"]])
        rows.append([name, *cold, *warm, warm[0] / cold[0] if cold[0] else ""])
    print_table("resident memory after three chats (MB)", ["process", *HEADER], rows)

    names = sorted({name for kind in starts.values() for s in kind for name in s.cpu_at_web})
    rows = []
    for name in [*names, "whole suite"]:
        of = (
            (lambda s: sum(s.cpu_at_web.values()))
            if name == "whole suite"
            else (lambda s, n=name: s.cpu_at_web.get(n, 0.0))
        )
        cold, warm = stats([of(s) for s in starts["cold"]]), stats([of(s) for s in starts["warm"]])
        rows.append([name, *cold, *warm, warm[0] / cold[0] if cold[0] else ""])
    print_table("CPU seconds spent when the chat page first answered (user + system)", ["process", *HEADER], rows)

    seen = Counter(
        line
        for start in starts["cold"] + starts["warm"]
        for line in [*start.suspect, *([f"exit code {start.exit_code} after SIGTERM"] if start.exit_code else [])]
    )
    if seen:
        console.print("[yellow]In salient up's output (times seen):[/yellow]")
        for line, count in seen.items():
            console.print(f"  {count} x {line[:300]}", markup=False, highlight=False)
    if keep_logs:
        console.print(f"salient up's output: {keep_logs}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Cold starts, each followed by a warm one.")
    parser.add_argument("--no-solo", action="store_true", help="Skip the baseline (each server started alone).")
    parser.add_argument("--keep-logs", type=Path, help="Keep salient up's output here (default: discarded).")
    args = parser.parse_args()
    asyncio.run(main(args.runs, not args.no_solo, args.keep_logs))
