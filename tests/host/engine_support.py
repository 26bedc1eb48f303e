"""Helpers for conversation tests: real servers over HTTP, scripted streaming models, engines over temp databases."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from host_support import agent, write_config
from pydantic_ai import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnEvent
from salient_host.memory import Store
from support import console_script, free_port, serve_process

# What a script answers: text to stream, or tool calls as (prefixed tool name, arguments).
Step = str | list[tuple[str, dict[str, Any]]]
Script = Callable[[list[ModelMessage], AgentInfo], Step | Awaitable[Step]]


@contextlib.contextmanager
def http_server(name: str, db: Path, log: Path) -> Iterator[str]:
    """`salient-<name> --http` with the demo company on a free loopback port, until the block ends; yields its URL."""
    port = free_port()
    args = ["--http", "--port", str(port), "--db", f"sqlite:///{db}", "--demo", "--log-level", "WARNING"]
    with serve_process(
        [console_script(f"salient-{name}"), *args], ready_url=f"http://127.0.0.1:{port}/healthz", log=log
    ):
        yield f"http://127.0.0.1:{port}/mcp"


def module_servers(tmp_path_factory: Any) -> Iterator[dict[str, dict[str, Any]]]:
    """The catalog and the CRM over HTTP, for a module's tests (`servers = pytest.fixture(scope="module")(...)`)."""
    directory = tmp_path_factory.mktemp("servers")
    with (
        http_server("catalog", directory / "catalog.db", directory / "catalog.log") as catalog,
        http_server("crm", directory / "crm.db", directory / "crm.log") as crm,
    ):
        yield {"catalog": {"url": catalog}, "crm": {"url": crm}}


def last_part(messages: list[ModelMessage]) -> Any:
    return messages[-1].parts[-1]


def tool_result(messages: list[ModelMessage]) -> ToolReturnPart | None:
    """The tool result the model is answering, if its last input is one."""
    part = last_part(messages)
    return part if isinstance(part, ToolReturnPart) else None


def scripted(script: Script, name: str = "scripted") -> FunctionModel:
    """A FunctionModel following `script`, streamed (text a word at a time, tool calls as deltas) or not.

    The script may be async, so a test's hooks can act on the world (call a server) while a turn runs.
    """

    async def step_of(messages: list[ModelMessage], info: AgentInfo) -> Step:
        step = script(messages, info)
        return await step if inspect.isawaitable(step) else step

    async def reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        step = await step_of(messages, info)
        if isinstance(step, str):
            return ModelResponse(parts=[TextPart(step)])
        return ModelResponse(parts=[ToolCallPart(tool, args) for tool, args in step])

    async def stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | dict[int, DeltaToolCall]]:
        step = await step_of(messages, info)
        if isinstance(step, str):
            words = step.split(" ")
            for piece in [w + " " for w in words[:-1]] + words[-1:]:
                yield piece
            return
        yield {i: DeltaToolCall(name=tool, json_args=json.dumps(args)) for i, (tool, args) in enumerate(step)}

    return FunctionModel(reply, stream_function=stream, model_name=name)


def requests_of(messages: list[ModelMessage]) -> list[ModelRequest]:
    return [m for m in messages if isinstance(m, ModelRequest)]


@contextlib.asynccontextmanager
async def engine_for(
    directory: Path,
    model: Any,
    *,
    servers: dict[str, dict[str, Any]] | None = None,
    agents: dict[str, dict[str, Any]] | None = None,
    instructions: str = "Answer from tools.",
    db: str | None = None,
    hold_connections: float = 300.0,
    max_held: int = 64,
    **top: Any,
) -> AsyncIterator[ConversationEngine]:
    """An engine over a fresh SQLite store (or `db`) for a configuration written under `directory`.

    `hold_connections` and `max_held` go to the engine; the other keywords are the configuration's top-level keys.
    """
    raw: dict[str, Any] = {
        "servers": servers or {},
        "agents": agents if agents is not None else {"sales": agent({name: ["*"] for name in servers or {}})},
        **top,
    }
    config = load_config(write_config(directory / "config", raw, instructions=instructions), {})
    store = await Store.open(db or f"sqlite:///{directory / 'host.db'}")
    try:
        async with ConversationEngine(
            config, store, model=model, hold_connections=hold_connections, max_held=max_held
        ) as engine:
            yield engine
    finally:
        await store.close()


async def collect(events: AsyncIterator[TurnEvent]) -> list[TurnEvent]:
    return [event async for event in events]


def of_type(events: list[TurnEvent], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]
