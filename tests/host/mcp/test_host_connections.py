"""A conversation keeps its own MCP connections between its turns; quiet or surplus conversations give them up."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from engine_support import collect, engine_for, scripted, tool_result
from host_support import agent, tiny_server
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnFinished

AGENTS = {"sales": agent({"tiny": ["pid"]})}


class Servers:
    """A model that asks the tiny server which process answers (`pid`), and the process ids it was told.

    (The session id `pid` also gives is the request's own under the stateless 2026-07-28 protocol, so the process
    is what shows a connection.)
    """

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Any:
        result = tool_result(messages)
        if result is None:
            return [("tiny_pid", {})]
        answer: Any = result.content
        self.seen.append(answer["pid"])
        return "asked"


async def turn(engine: ConversationEngine, session: str, text: str) -> None:
    events = await collect(engine.send(session, text, account="demo", client_message_id=text))
    assert isinstance(events[-1], TurnFinished), events[-1]


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def ended(pid: int, within: float = 15.0) -> bool:
    for _ in range(int(within / 0.05)):
        if not running(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_conversation_keeps_its_own_server_and_session_between_turns(tmp_path: Path) -> None:
    asked = Servers()
    servers = {"tiny": tiny_server("pid")}
    async with engine_for(tmp_path, scripted(asked), servers=servers, agents=AGENTS) as engine:
        first = await engine.start(account="demo", agent="sales")
        second = await engine.start(account="demo", agent="sales")
        await turn(engine, first.id, "one")
        await turn(engine, first.id, "two")
        await turn(engine, second.id, "three")
        assert len(engine.connections) == 2
    (one, two, three) = asked.seen
    assert one == two  # the same server process, still connected, for the conversation's second turn
    assert three != one  # another conversation never shares it
    assert await ended(one) and await ended(three)  # closing the host closes every held connection


async def test_a_quiet_conversation_gives_its_connections_up(tmp_path: Path) -> None:
    asked = Servers()
    servers = {"tiny": tiny_server("pid")}
    async with engine_for(tmp_path, scripted(asked), servers=servers, agents=AGENTS, hold_connections=0.3) as engine:
        session = await engine.start(account="demo", agent="sales")
        await turn(engine, session.id, "one")
        assert await ended(asked.seen[0])
        assert len(engine.connections) == 0
        await turn(engine, session.id, "two")  # connects again
    assert asked.seen[1] != asked.seen[0]


async def test_the_least_recently_used_conversation_gives_way_beyond_the_cap(tmp_path: Path) -> None:
    asked = Servers()
    servers = {"tiny": tiny_server("pid")}
    async with engine_for(tmp_path, scripted(asked), servers=servers, agents=AGENTS, max_held=1) as engine:
        first = await engine.start(account="demo", agent="sales")
        second = await engine.start(account="demo", agent="sales")
        await turn(engine, first.id, "one")
        await turn(engine, second.id, "two")
        assert await ended(asked.seen[0])  # the first conversation's server, closed for the second
        assert running(asked.seen[1]) and len(engine.connections) == 1


async def test_without_holding_every_turn_connects_anew(tmp_path: Path) -> None:
    asked = Servers()
    servers = {"tiny": tiny_server("pid")}
    async with engine_for(tmp_path, scripted(asked), servers=servers, agents=AGENTS, hold_connections=0) as engine:
        session = await engine.start(account="demo", agent="sales")
        await turn(engine, session.id, "one")
        await turn(engine, session.id, "two")
        assert len(engine.connections) == 0
    assert asked.seen[0] != asked.seen[1]
