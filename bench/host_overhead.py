"""Host overhead per turn: what the host's agent layer adds to a turn, beyond the time spent inside tool calls.

One scripted turn (a FunctionModel: `search_products`, then `get_product` on the first hit, then an answer) runs
against `salient-catalog --http --demo` over streamable HTTP, through:

- **bare**: a pydantic-ai `Agent` over a plain `MCPToolset` (the baseline);
- **host agent**: `runtime.build_agent` as configured from YAML, so `agent_toolsets` with supervision, allow-list,
  `<server>_` prefix and approval gate, and the host's output type and instructions;
- **bare Agent, streamed**: the bare agent again, its model streaming and every event read (the engine's
  baseline: a chat streams);
- **host engine, first turn**: the whole host turn as the web chat and `salient chat` run it (`ConversationEngine`
  over SQLite) in a new conversation: the session started, the visitor's message stored first, the conversation's
  own MCP session opened (concurrent conversations never share one) and its tools listed, events, every request
  priced, the messages and tool calls stored;
- **host engine, later turn**: the same in a conversation that has had turns already (conversations of five
  turns), over the MCP session it holds between turns (connections.py).

The streamed rows' model streams (the same script, each part in one delta), as every host turn does; the first two
ask for whole responses. The agent rows hold their MCP connection across turns, and all rows run in the same
process, alternating in rounds. Time inside the tool calls (`MCPToolset.call_tool`, timed the same way in every
row) is subtracted, so what is left is the host's own work per turn.

    uv run python bench/host_overhead.py [--turns 300] [--rounds 10] [--db postgresql://127.0.0.1:5432/postgres]

`--db`: the engine rows' memory on PostgreSQL (a scratch database is created beside the one named, and dropped
after) instead of SQLite files in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from common import BIN, Goal, free_port, print_table, process, record, scratch_home
from fastmcp.client.transports import StreamableHttpTransport
from pydantic_ai import Agent, ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from salient_host.config.load import load_config
from salient_host.config.schema import Config
from salient_host.engine.agents import build_agent, usage_limits
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnFinished
from salient_host.memory import Store

INSTRUCTIONS = "Answer product questions from the catalog tools."
QUESTION = "Do you have a glucose meter?"


class ToolClock:
    """Adds up the time spent inside `MCPToolset.call_tool`, the part every row shares, in this process."""

    inside: float = 0.0

    @classmethod
    def install(cls) -> None:
        original = MCPToolset.call_tool

        async def timed(self: MCPToolset[Any], name: str, tool_args: dict[str, Any], ctx: Any, tool: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(self, name, tool_args, ctx, tool)
            finally:
                cls.inside += time.perf_counter() - start

        MCPToolset.call_tool = timed  # type: ignore[method-assign]  # a benchmark's probe, installed once


def script(prefix: str) -> Callable[[list[ModelMessage], AgentInfo], ModelResponse]:
    """The scripted model: search, look up the first hit, answer. `prefix` is how the agent names the tools."""

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1].parts[-1]
        if isinstance(last, UserPromptPart):
            return ModelResponse(parts=[ToolCallPart(f"{prefix}search_products", {"query": "glucose meter"})])
        assert isinstance(last, ToolReturnPart) and isinstance(last.content, dict), last
        content: dict[str, Any] = dict(last.content)  # the catalog's structured result, a plain JSON object here
        if "hits" in content:
            product = content["hits"][0]["product"]["id"]
            return ModelResponse(parts=[ToolCallPart(f"{prefix}get_product", {"id": product})])
        return ModelResponse(parts=[TextPart(f"Yes: {content['name']}.")])

    return model


def streamed(prefix: str) -> FunctionModel:
    """The same script as a model that streams (the engine asks for streams): each part in one delta."""
    answer = script(prefix)

    async def stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        for i, part in enumerate(answer(messages, info).parts):
            if isinstance(part, TextPart):
                yield part.content
            elif isinstance(part, ToolCallPart):
                yield {i: DeltaToolCall(name=part.tool_name, json_args=part.args_as_json_str())}

    return FunctionModel(answer, stream_function=stream)


class Turns(ABC):
    """One row's turns: `run` is timed, `prepare` (before each) is not."""

    async def prepare(self) -> None:
        return None

    @abstractmethod
    async def run(self) -> None: ...


@dataclass
class Runner:
    """One row: how to set up an agent for many turns."""

    name: str
    setup: Callable[[], AbstractAsyncContextManager[Turns]]


class AgentTurns(Turns):
    """`agent.run`; with `streamed`, its model requests stream and every event is read, as the engine does."""

    def __init__(self, agent: Agent[None, Any], limits: Any = None, *, streamed: bool = False) -> None:
        self.agent, self.limits, self.streamed = agent, limits, streamed

    async def run(self) -> None:
        handler = read_events if self.streamed else None
        result = await self.agent.run(QUESTION, usage_limits=self.limits, event_stream_handler=handler)
        assert isinstance(result.output, str) and result.output.startswith("Yes: "), result.output


async def read_events(ctx: Any, events: AsyncIterable[Any]) -> None:
    async for _ in events:
        pass


class EngineTurns(Turns):
    """Turns of the engine: each in a new conversation, or (`per_conversation` > 1) later turns of one."""

    def __init__(self, engine: ConversationEngine, per_conversation: int = 1) -> None:
        self.engine, self.per_conversation = engine, per_conversation
        self.session = ""
        self.count = 0

    async def prepare(self) -> None:
        if self.per_conversation == 1:
            return
        if self.count % self.per_conversation == 0:  # a new conversation and its first turn, not timed
            self.session = (await self.engine.start(account="demo", agent="bench")).id
            await self._send()

    async def run(self) -> None:
        if self.per_conversation == 1:
            self.session = (await self.engine.start(account="demo", agent="bench")).id
        await self._send()

    async def _send(self) -> None:
        self.count += 1
        events = [
            e async for e in self.engine.send(self.session, QUESTION, account="demo", client_message_id=str(self.count))
        ]
        finished = events[-1]
        assert isinstance(finished, TurnFinished) and (finished.output or "").startswith("Yes: "), events[-3:]


def host_config(url: str, directory: Path) -> Config:
    (directory / "agents").mkdir()
    (directory / "agents" / "bench.md").write_text(INSTRUCTIONS, encoding="utf-8")
    raw = {
        "servers": {"catalog": {"url": url}},
        "agents": {
            "bench": {
                "description": "benchmark agent",
                "instructions": "agents/bench.md",
                "servers": {"catalog": {"tools": ["search_products", "get_product"]}},
            }
        },
        "prices": {"function:model:stream": {"input_usd_per_million": 1.0, "output_usd_per_million": 2.0}},
    }
    path = directory / "salient.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_config(path, {})


def runners(url: str, config: Config, memory: dict[str, str]) -> list[Runner]:
    @asynccontextmanager
    async def bare() -> AsyncIterator[Turns]:
        toolset = MCPToolset(StreamableHttpTransport(url), id="catalog")
        agent = Agent(FunctionModel(script("")), toolsets=[toolset], instructions=INSTRUCTIONS)
        async with agent:
            yield AgentTurns(agent)

    @asynccontextmanager
    async def bare_streamed() -> AsyncIterator[Turns]:
        toolset = MCPToolset(StreamableHttpTransport(url), id="catalog")
        agent = Agent(streamed(""), toolsets=[toolset], instructions=INSTRUCTIONS)
        async with agent:
            yield AgentTurns(agent, streamed=True)

    @asynccontextmanager
    async def host() -> AsyncIterator[Turns]:
        toolset = MCPToolset(StreamableHttpTransport(url), id="catalog")
        agent = build_agent(config, "bench", FunctionModel(script("catalog_")), {"catalog": toolset})
        async with agent:
            yield AgentTurns(agent, usage_limits(config, "bench"))

    def engine(per_conversation: int) -> Callable[[], AbstractAsyncContextManager[Turns]]:
        @asynccontextmanager
        async def setup() -> AsyncIterator[Turns]:
            store = await Store.open(memory[f"host_{per_conversation}"])
            try:
                async with ConversationEngine(config, store, model=streamed("catalog_")) as running:
                    yield EngineTurns(running, per_conversation)
            finally:
                await store.close()

        return setup

    return [
        Runner("bare Agent", bare),
        Runner("host agent", host),
        Runner("bare Agent, streamed", bare_streamed),
        Runner("host engine, first turn", engine(1)),
        Runner("host engine, later turn", engine(5)),
    ]


@dataclass
class Samples:
    turn: list[float]
    inside: list[float]
    cpu: list[float]  # the process's CPU time during the turn (every thread), tools' client side included

    @property
    def overhead(self) -> list[float]:
        return [t - i for t, i in zip(self.turn, self.inside, strict=True)]


async def measure(rows: list[Runner], turns: int, rounds: int) -> dict[str, Samples]:
    samples = {row.name: Samples([], [], []) for row in rows}
    per_round = max(1, turns // rounds)
    setups = {row.name: row.setup() for row in rows}
    entered = {name: await setup.__aenter__() for name, setup in setups.items()}
    try:
        for row in entered.values():  # warm caches, connections and code paths
            for _ in range(20):
                await row.prepare()
                await row.run()
        for _ in range(rounds):  # rows alternate, so drift on a shared machine hits them alike
            for name, row in entered.items():
                for _ in range(per_round):
                    await row.prepare()
                    ToolClock.inside = 0.0
                    start, cpu = time.perf_counter(), time.process_time()
                    await row.run()
                    samples[name].turn.append(time.perf_counter() - start)
                    samples[name].cpu.append(time.process_time() - cpu)
                    samples[name].inside.append(ToolClock.inside)
    finally:
        for setup in setups.values():
            await setup.__aexit__(None, None, None)
    return samples


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


@asynccontextmanager
async def memories(db: str | None, directory: Path, names: list[str]) -> AsyncIterator[dict[str, str]]:
    """Each engine row's database URL by name: SQLite files under `directory`, or fresh scratch PostgreSQL databases
    beside `db` (dropped after)."""
    if db is None:
        yield {name: f"sqlite:///{directory / f'{name}.db'}" for name in names}
        return
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    base = make_url(db)
    scratch = {name: f"salient_bench_{name}" for name in names}
    admin = create_async_engine(base.set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT")

    async def drop() -> None:
        async with admin.connect() as connection:
            for database in scratch.values():
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    try:
        await drop()  # an earlier run's, if it was cut off
        async with admin.connect() as connection:
            for database in scratch.values():
                await connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield {
            name: base.set(database=database).render_as_string(hide_password=False)
            for name, database in scratch.items()
        }
        await drop()
    finally:
        await admin.dispose()


async def main(turns: int, rounds: int, db: str | None) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    server = [str(BIN / "salient-catalog"), "--http", "--port", str(port), "--demo", "--log-level", "WARNING"]
    with (
        scratch_home() as env,
        # Thousands of calls from one client in minutes: the server's per-token rate limit would refuse them.
        process(server, health_url=f"http://127.0.0.1:{port}/healthz", env=env | {"SALIENT_CATALOG_RATE_LIMIT": "off"}),
        tempfile.TemporaryDirectory(prefix="salient-bench-") as directory,
    ):
        config = host_config(url, Path(directory))
        ToolClock.install()
        async with memories(db, Path(directory), ["host_1", "host_5"]) as memory:
            samples = await measure(runners(url, config, memory), turns, rounds)

    bare, bare_streamed = samples["bare Agent"], samples["bare Agent, streamed"]
    rows = []
    for name, s in samples.items():
        p50, mean = ms(s.overhead, 50), statistics.fmean(s.overhead) * 1000
        rows.append(
            [
                name,
                ms(s.turn, 50),
                ms(s.inside, 50),
                p50,
                ms(s.overhead, 95),
                mean,
                p50 / ms(bare.overhead, 50),
                mean / (statistics.fmean(bare.overhead) * 1000),
                p50 / ms(bare_streamed.overhead, 50),
                statistics.fmean(s.cpu) * 1000,
                statistics.fmean(s.cpu) / statistics.fmean(bare_streamed.cpu),
            ]
        )
    print_table(
        f"a turn with two tool calls over HTTP, memory on {'PostgreSQL' if db else 'SQLite'}, "
        f"{len(bare.turn)} turns per row (ms); rest = turn - tools; "
        "x bare = rest as a ratio to the bare Agent's (p50, mean), x streamed = to the streamed bare Agent's (p50); "
        "cpu = process CPU per turn, tools' client side included (steadier than wall time on a loaded machine)",
        [
            "agent",
            "turn p50",
            "tools p50",
            "rest p50",
            "rest p95",
            "rest mean",
            "x bare",
            "x bare mean",
            "x streamed",
            "cpu mean",
            "cpu x streamed",
        ],
        rows,
    )
    for name in ("host engine, later turn", "host engine, first turn"):
        record(
            f"{name}, memory on {'PostgreSQL' if db else 'SQLite'}, time outside tools (p50)",
            ms(samples[name].overhead, 50),
            "ms",
            baseline=ms(bare.overhead, 50),
            vs="bare pydantic-ai Agent, same toolset",
            goal=Goal("<=", 1.25, "ratio") if name.endswith("later turn") else None,  # the target
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="Measured turns per row.")
    parser.add_argument("--rounds", type=int, default=10, help="Rows alternate this many times.")
    parser.add_argument("--db", help="A PostgreSQL URL: the engine rows' memory in scratch databases beside it.")
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.rounds, args.db))
