"""Supervised servers, with real processes: stdio servers killed and crashing, HTTP servers stopped and restarted.

Agents are built with `agent_toolsets` and driven by a FunctionModel that calls the tool the user names. The agent
(and so each server's connection) stays entered across turns, as a long-running host keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from host_support import TINY_SERVER, agent, tiny_server, write_config
from pydantic_ai import Agent, ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.models.function import AgentInfo, FunctionModel
from salient_host.config.load import load_config
from salient_host.config.schema import Config
from salient_host.engine.agents import build_agent
from salient_host.mcp.status import StatusBoard, watch
from salient_host.mcp.supervision import SupervisedToolset, SupervisionPolicy, supervise_all
from salient_host.mcp.toolsets import agent_toolsets, mcp_toolset
from support import free_port

# Tests that wait for a down server must not wait long: no sleeping between attempts, probe on every step.
QUICK = SupervisionPolicy(restart_backoff=0.0, probe_backoff=0.0, probe_backoff_max=0.0)


@dataclass
class Scripted:
    """A model that calls the tool named by the user's message (`call NAME [TEXT]`), then reports what came back.

    It records, for each request, the tools it was offered and the instructions it was given.
    """

    offered: list[list[str]] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.offered.append(sorted(t.name for t in info.function_tools))
        self.instructions.append(info.instructions or "")
        last = messages[-1].parts[-1]
        if isinstance(last, ToolReturnPart):
            return ModelResponse(parts=[TextPart(f"{last.outcome}: {last.model_response_str(wrap_if_error=False)}")])
        assert isinstance(last, UserPromptPart) and isinstance(last.content, str)
        words = last.content.split(maxsplit=2)
        if words[0] != "call":
            return ModelResponse(parts=[TextPart("no tools needed")])
        args = {"text": words[2]} if len(words) > 2 else {}
        return ModelResponse(parts=[ToolCallPart(words[1], args)])


def load(tmp_path: Path, servers: dict[str, Any], tools: dict[str, list[str]] | None = None) -> Config:
    agents = {"helper": agent(tools or {name: ["*"] for name in servers})}
    return load_config(write_config(tmp_path / "config", {"servers": servers, "agents": agents}), {})


def build(config: Config, model: Scripted, servers: dict[str, SupervisedToolset]) -> Agent[None, str]:
    return Agent(
        FunctionModel(model), toolsets=agent_toolsets(config, config.agents["helper"], account="demo", servers=servers)
    )


def supervised(config: Config, policy: SupervisionPolicy | None = None) -> dict[str, SupervisedToolset]:
    made = {name: mcp_toolset(name, server, config.base_dir) for name, server in config.servers.items()}
    return supervise_all(made, policy)


def returned_pid(output: str) -> int:
    outcome, _, body = output.partition(": ")
    assert outcome == "success", output
    return int(body.split('"pid":')[1].split(",")[0])


# --- stdio -----------------------------------------------------------------------------------------------------


async def test_a_killed_stdio_server_is_restarted_and_the_next_call_works(tmp_path: Path) -> None:
    config = load(tmp_path, {"tiny": tiny_server("pid", "echo")})
    model, servers = Scripted(), supervised(config)
    helper = build(config, model, servers)
    async with helper:
        with watch(servers.values()) as seen:
            first = returned_pid((await helper.run("call tiny_pid")).output)
            os.kill(first, signal.SIGKILL)
            second = returned_pid((await helper.run("call tiny_pid")).output)
    assert second != first
    status = servers["tiny"].status
    assert status.restarts == 1 and status.state == "idle" and status.last_error is not None
    assert [(c.previous, c.status.state) for c in seen.changes] == [("up", "restarting"), ("restarting", "up")]
    assert seen.changes[-1].text == "The tiny server stopped answering and was reconnected."
    assert seen.withdrawn == []


async def test_a_server_that_died_between_turns_is_restarted_before_the_next_write(tmp_path: Path) -> None:
    """A held connection whose process is gone is not `up`: a write is sent to a new process, not to the dead one."""
    config = load(tmp_path, {"tiny": tiny_server("pid", "note")})
    model, servers = Scripted(), supervised(config)
    helper = build(config, model, servers)
    async with helper:
        with watch(servers.values()) as seen:
            first = returned_pid((await helper.run("call tiny_pid")).output)
            os.kill(first, signal.SIGKILL)
            await asyncio.sleep(1.0)  # the conversation is quiet for a while; the server's pipe reaches its end
            written = (await helper.run("call tiny_note kept")).output
            second = returned_pid((await helper.run("call tiny_pid")).output)
    assert written == "success: noted: kept"
    assert second != first and servers["tiny"].status.restarts == 1
    assert [c.text for c in seen.changes if c.text] == ["The tiny server stopped answering and was reconnected."]


async def test_a_write_that_loses_its_server_is_reported_not_repeated(tmp_path: Path) -> None:
    config = load(tmp_path, {"tiny": tiny_server("pid", "crash")})
    model, servers = Scripted(), supervised(config)
    helper = build(config, model, servers)
    async with helper:
        first = returned_pid((await helper.run("call tiny_pid")).output)
        crashed = (await helper.run("call tiny_crash")).output
        # Repeating `crash` would have crashed the new process too: exactly one restart shows it was not repeated.
        assert servers["tiny"].status.restarts == 1
        second = returned_pid((await helper.run("call tiny_pid")).output)
    assert crashed.startswith("failed: The tiny server lost its connection during this call and was reconnected.")
    assert "may or may not have taken effect" in crashed
    assert second != first and servers["tiny"].status.restarts == 1


async def test_a_server_that_cannot_start_degrades_the_agent_instead_of_failing_it(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        {"tiny": tiny_server("echo"), "crm": {"command": str(tmp_path / "no-such-server"), "init_timeout": 10}},
    )
    model, servers = Scripted(), supervised(config)
    helper = build(config, model, servers)
    with watch(servers.values()) as seen:
        async with helper:
            result = await helper.run("call tiny_echo hello")
    assert result.output == "success: echo: hello"
    assert model.offered == [["tiny_echo"], ["tiny_echo"]]  # the crm's tools are withdrawn, the tiny's remain
    notice = "The crm server is unavailable right now; its tools are withdrawn. Tell the user what you cannot do."
    assert all(notice in text for text in model.instructions)
    crm = servers["crm"].status
    assert crm.state == "down" and crm.last_error and crm.restarts == 0
    assert seen.withdrawn == ["crm"]
    assert [c.text for c in seen.changes if c.server == "crm"] == [
        "The crm server is unavailable right now; its tools are withdrawn."
    ]


async def test_build_agent_over_plain_mcp_toolsets_is_supervised_too(tmp_path: Path) -> None:
    config = load(tmp_path, {"gone": {"command": str(tmp_path / "no-such-server"), "init_timeout": 10}})
    plain = {"gone": mcp_toolset("gone", config.servers["gone"], config.base_dir)}
    model = Scripted()
    helper = build_agent(config, "helper", FunctionModel(model), plain)
    async with helper:
        result = await helper.run("hello")
    assert result.output == "no tools needed" and model.offered == [[]]
    assert "The gone server is unavailable right now" in model.instructions[0]
    # Agents share a server's supervisor, and so its status, when they are given the same one (`supervise_all`).
    shared = supervise_all(plain)
    other = build_agent(config, "helper", FunctionModel(Scripted()), shared)
    async with other:
        await other.run("hello")
    assert shared["gone"].status.state == "down" and shared["gone"].status.last_error


async def test_a_down_server_comes_back_when_it_can_start_again(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    server = {"command": sys.executable, "args": [str(TINY_SERVER), "--require", str(ready), "pid"]}
    config = load(tmp_path, {"tiny": server})
    model, servers = Scripted(), supervised(config, QUICK)
    board = StatusBoard()
    board.track(servers.values())
    helper = build(config, model, servers)
    async with helper:
        with watch(servers.values()) as seen:
            assert (await helper.run("hello")).output == "no tools needed"
            assert model.offered[-1] == [] and board.statuses()["tiny"].state == "down"
            ready.touch()
            pid = returned_pid((await helper.run("call tiny_pid")).output)
    assert pid > 0 and model.offered[-1] == ["tiny_pid"]
    assert "unavailable" not in model.instructions[-1]
    assert [c.text for c in seen.changes if c.text] == ["The tiny server is back; its tools are available again."]
    status = board.statuses()["tiny"]
    assert status.state == "up" and status.tools == 1 and status.restarts == 1


async def test_a_server_that_keeps_failing_to_restart_is_withdrawn(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    ready.touch()
    server = {"command": sys.executable, "args": [str(TINY_SERVER), "--require", str(ready), "pid"]}
    config = load(tmp_path, {"tiny": server})
    model, servers = Scripted(), supervised(config, QUICK)
    helper = build(config, model, servers)
    async with helper:
        with watch(servers.values()) as seen:
            pid = returned_pid((await helper.run("call tiny_pid")).output)
            ready.unlink()  # from now on the server exits as soon as it starts
            os.kill(pid, signal.SIGKILL)
            after = (await helper.run("call tiny_pid")).output
    assert after == (
        "failed: The tiny server is unavailable right now; its tools are withdrawn. Tell the user what you cannot "
        "do. The call was not completed."
    )
    assert model.offered[-1] == [] and "The tiny server is unavailable" in model.instructions[-1]
    status = servers["tiny"].status
    assert status.state == "down" and status.restarts == 0
    assert [(c.previous, c.status.state) for c in seen.changes] == [("up", "restarting"), ("restarting", "down")]
    assert seen.withdrawn == ["tiny"]


async def test_a_restart_cut_short_by_a_cancelled_turn_is_completed_and_counted_by_the_next_turn(
    tmp_path: Path,
) -> None:
    """A turn cancelled while its server was restarting: the next turn reconnects once, and that is a restart."""
    ready = tmp_path / "ready"
    ready.touch()
    server = {"command": sys.executable, "args": [str(TINY_SERVER), "--require", str(ready), "pid"]}
    config = load(tmp_path, {"tiny": server})
    model, servers = Scripted(), supervised(config, replace(QUICK, restart_backoff=60.0))
    restarting = asyncio.Event()
    servers["tiny"].subscribe(lambda change: restarting.set() if change.status.state == "restarting" else None)
    helper = build(config, model, servers)
    async with helper:
        first = returned_pid((await helper.run("call tiny_pid")).output)
        ready.unlink()
        os.kill(first, signal.SIGKILL)
        turn = asyncio.create_task(helper.run("call tiny_pid"))
        await restarting.wait()
        await asyncio.sleep(0.5)  # the first attempt fails at once; the second waits out its backoff
        turn.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await turn
        ready.touch()
        pids = [returned_pid((await helper.run("call tiny_pid")).output) for _ in range(2)]
        status = servers["tiny"].status
    assert pids[0] == pids[1] != first
    assert status.state == "up" and status.restarts == 1


class Clock:
    """A monotonic clock the test moves forward: a restart window passes without waiting for it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_crash_looping_server_is_probed_again_once_its_restart_window_has_passed(tmp_path: Path) -> None:
    config = load(tmp_path, {"tiny": tiny_server("pid")})
    clock, policy = Clock(), replace(QUICK, max_restarts=5, restart_window=300.0)
    made = mcp_toolset("tiny", config.servers["tiny"], config.base_dir)
    servers = {"tiny": SupervisedToolset("tiny", made, policy, clock=clock)}
    model = Scripted()
    helper = build(config, model, servers)
    async with helper:
        pids = [returned_pid((await helper.run("call tiny_pid")).output)]
        for _ in range(5):  # five kills in a row: each is restarted, which spends the window's budget
            os.kill(pids[-1], signal.SIGKILL)
            pids.append(returned_pid((await helper.run("call tiny_pid")).output))
        os.kill(pids[-1], signal.SIGKILL)  # the sixth: a crash loop, so the server is declared down
        failed = (await helper.run("call tiny_pid")).output
        assert failed.startswith("failed: The tiny server is unavailable right now")
        clock.now = 299.0  # within the window: not restarted yet
        assert (await helper.run("hello")).output == "no tools needed" and model.offered[-1] == []
        assert servers["tiny"].status.state == "down"
        clock.now = 301.0  # the window has passed: the next step probes it and its tools come back
        back = returned_pid((await helper.run("call tiny_pid")).output)
        assert model.offered[-1] == ["tiny_pid"] and "unavailable" not in model.instructions[-1]
        status = servers["tiny"].status
    assert back not in pids and status.state == "up" and status.restarts == 6


# --- streamable HTTP -------------------------------------------------------------------------------------------


class HttpServer:
    """tiny_server.py under uvicorn in a process of its own, on one port, that can be stopped and started again."""

    def __init__(self, *tools: str) -> None:
        self.port, self.tools = free_port(), tools
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(TINY_SERVER), "--http", str(self.port), *self.tools, stderr=asyncio.subprocess.DEVNULL
        )
        while True:  # until it accepts connections
            assert self.process.returncode is None, "the HTTP server exited"
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def running(server: HttpServer) -> AsyncIterator[HttpServer]:
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def http_config(tmp_path: Path, server: HttpServer) -> Config:
    return load(tmp_path, {"tiny": {"url": server.url, "init_timeout": 10}})


async def test_an_http_server_restarted_between_turns_is_used_again(tmp_path: Path) -> None:
    async with running(HttpServer("pid")) as server:
        config = http_config(tmp_path, server)
        model, servers = Scripted(), supervised(config)
        helper = build(config, model, servers)
        async with helper:
            first = returned_pid((await helper.run("call tiny_pid")).output)
            await server.stop()
            await server.start()
            second = returned_pid((await helper.run("call tiny_pid")).output)
    assert second != first and servers["tiny"].status.state == "idle"


async def test_a_lost_http_session_is_replaced_and_even_a_write_is_sent_again(tmp_path: Path) -> None:
    """A handshake-era client holds a session id; the restarted server answers it with 404, so nothing ran."""
    async with running(HttpServer("pid", "note")) as server:
        config = http_config(tmp_path, server)
        legacy = MCPToolset(Client(StreamableHttpTransport(server.url), mode="legacy"), id="tiny")
        servers = {"tiny": SupervisedToolset("tiny", legacy, QUICK)}
        model = Scripted()
        helper = build(config, model, servers)
        async with helper:
            first = (await helper.run("call tiny_pid")).output
            assert (await helper.run("call tiny_note kept")).output == "success: noted: kept"
            await server.stop()
            await server.start()
            again = (await helper.run("call tiny_note again")).output
            second = (await helper.run("call tiny_pid")).output
    assert again == "success: noted: again"
    assert returned_pid(second) != returned_pid(first)
    old_session, new_session = (s.split('"session":"')[1].split('"')[0] for s in (first, second))
    assert old_session != new_session
    assert servers["tiny"].status.restarts == 1


async def test_an_http_server_down_for_good_degrades_the_agent(tmp_path: Path) -> None:
    async with running(HttpServer("pid")) as server:
        config = http_config(tmp_path, server)
        model, servers = Scripted(), supervised(config, QUICK)
        helper = build(config, model, servers)
        async with helper:
            returned_pid((await helper.run("call tiny_pid")).output)
            await server.stop()
            failed = (await helper.run("call tiny_pid")).output
            later = (await helper.run("anything else?")).output
            assert servers["tiny"].status.state == "down"
    assert failed.startswith("failed: The tiny server is unavailable right now")
    assert later == "no tools needed" and model.offered[-1] == []
    assert "The tiny server is unavailable right now" in model.instructions[-1]


async def test_nothing_listening_at_startup_degrades_and_the_server_is_picked_up_later(tmp_path: Path) -> None:
    server = HttpServer("pid")
    config = http_config(tmp_path, server)
    model, servers = Scripted(), supervised(config, QUICK)
    helper = build(config, model, servers)
    async with helper:
        assert (await helper.run("hello")).output == "no tools needed"
        assert model.offered[-1] == [] and servers["tiny"].status.state == "down"
        async with running(server):
            assert returned_pid((await helper.run("call tiny_pid")).output) > 0
    assert servers["tiny"].status.restarts == 1
