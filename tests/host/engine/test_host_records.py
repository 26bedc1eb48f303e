"""What a turn leaves in memory at every moment: a call stored before it is made, a turn wholly stored or cut off.

A tool call's record is committed, with the model request that asked for it, before the call is made; what follows
is committed with the turn's answer. So a host that dies during a call leaves the call (`running`) and its request,
and the turn reads as unfinished when its message is sent again. The `wait` tool of tiny_server.py holds a call open
while the test looks at the database.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine_support import collect, engine_for, of_type, scripted, tool_result
from host_support import agent, tiny_server
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_host.engine.events import ToolFinished, TurnFailed, TurnFinished
from salient_host.engine.recording import STOPPED
from salient_host.engine.turnlog import INTERRUPTED
from salient_host.memory import DuplicateClientMessage, Store
from salient_host.memory.records import CallRecord, RequestRecord

PRICES = {"scripted": {"input_usd_per_million": 3.0, "output_usd_per_million": 15.0}}


def wait_for(release: Path) -> Any:
    """Call tiny's `wait` until `release` exists, then answer."""

    def script(messages: list[ModelMessage], info: AgentInfo) -> Any:
        if tool_result(messages) is None:
            return [("tiny_wait", {"path": str(release)})]
        return "Waited."

    return script


async def until(check: Any) -> None:
    """Wait (up to 30 s) until `await check()` is truthy."""
    for _ in range(1500):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the call was never stored")


async def test_a_call_is_stored_with_its_request_before_it_is_made(tmp_path: Path) -> None:
    release = tmp_path / "release"
    servers = {"tiny": tiny_server("wait")}
    agents = {"sales": agent({"tiny": ["wait"]})}
    async with engine_for(
        tmp_path, scripted(wait_for(release)), servers=servers, agents=agents, prices=PRICES
    ) as engine:
        session = await engine.start(account="demo", agent="sales")
        turn = asyncio.ensure_future(collect(engine.send(session.id, "Wait", account="demo", client_message_id="w")))
        store = engine.store
        await until(lambda: store.tool_calls(session.id))
        [running] = await store.tool_calls(session.id)
        during = await store.requests(session.id), await store.messages(session.id)

        # What a host that died now would find: a second engine over the same memory (a restart).
        async with engine_for(tmp_path, scripted(wait_for(release)), servers=servers, agents=agents) as restarted:
            again = await collect(restarted.send(session.id, "Wait", account="demo", client_message_id="w"))
            assert len(await restarted.store.messages(session.id)) == 1  # nothing stored twice

        release.touch()
        events = await turn
        [call] = await store.tool_calls(session.id)
        requests = await store.requests(session.id)
        messages = await store.messages(session.id)

    assert (running.server, running.tool, running.args, running.outcome) == (
        "tiny",
        "wait",
        {"path": str(release)},
        "running",
    )
    assert running.duration_ms is None
    [asked] = during[0]  # the request that asked for the call, committed with it
    assert asked.status == "ok" and asked.cost_usd is not None and asked.cost_usd > Decimal(0)
    assert [m.role for m in during[1]] == ["user"]  # the turn has no end yet: it reads as cut off
    assert [(type(e), getattr(e, "message", None)) for e in again] == [(TurnFailed, INTERRUPTED)]

    assert isinstance(events[-1], TurnFinished) and events[-1].output == "Waited."
    assert (call.id, call.outcome) == (running.id, "ok") and call.duration_ms is not None  # updated, not added
    assert [r.id for r in requests][:1] == [asked.id] and len(requests) == 2
    assert [m.role for m in messages] == ["user", "assistant"]


async def test_a_call_stopped_part_way_is_stored_as_stopped(tmp_path: Path) -> None:
    release = tmp_path / "release"  # never created: the call only ends by being stopped
    servers = {"tiny": tiny_server("wait")}
    agents = {"sales": agent({"tiny": ["wait"]})}
    async with engine_for(tmp_path, scripted(wait_for(release)), servers=servers, agents=agents) as engine:
        session = await engine.start(account="demo", agent="sales")
        turn = asyncio.ensure_future(collect(engine.send(session.id, "Wait", account="demo", client_message_id="w")))
        await until(lambda: engine.store.tool_calls(session.id))
        assert await engine.stop(session.id, account="demo")
        events = await turn
        [call] = await engine.store.tool_calls(session.id)
        messages = await engine.store.messages(session.id)
    [finished] = of_type(events, ToolFinished)
    assert not finished.ok and finished.error == STOPPED
    assert isinstance(events[-1], TurnFailed) and events[-1].code == "stopped"
    assert (call.outcome, call.error) == ("error", STOPPED) and call.duration_ms is not None
    assert [(m.role, m.error_code) for m in messages] == [("user", None), ("assistant", "stopped")]


async def test_a_turns_last_records_are_stored_with_its_message_or_not_at_all(db_url: str) -> None:
    store = await Store.open(db_url)
    try:
        session = await store.create_session(account="demo", agent="sales")
        await store.add_message(session, turn_id="t1", role="user", text="Hi", client_message_id="m1")
        request = RequestRecord(
            provider="openai", model="gpt-4o", input_tokens=10, output_tokens=2, cost_usd=None, latency_ms=3.0
        )
        running = CallRecord(call_id="c1", server="crm", tool="get_records", args={"ids": ["1"]}, outcome="running")
        done = CallRecord(call_id="c1", server="crm", tool="get_records", outcome="ok", duration_ms=4.0)
        # The client id is taken: the message is refused, and the records that came with it are not stored either.
        try:
            await store.add_message(
                session, turn_id="t2", role="user", text="Hi", client_message_id="m1", requests=[request], calls=[done]
            )
        except DuplicateClientMessage:
            pass
        else:
            raise AssertionError("a taken client id was accepted")
        assert (await store.requests(session.id), await store.tool_calls(session.id)) == ([], [])

        await store.record(session, turn_id="t1", requests=[request], calls=[running])
        await store.add_message(session, turn_id="t1", role="assistant", text="Done", calls=[done], status="active")
        [call] = await store.tool_calls(session.id)
        [stored] = await store.requests(session.id)
    finally:
        await store.close()
    assert (call.outcome, call.args, call.duration_ms, call.turn_id) == ("ok", {"ids": ["1"]}, 4.0, "t1")
    assert (stored.model, stored.cost_usd, stored.status) == ("gpt-4o", None, "ok")


async def test_a_held_history_sees_what_another_process_stored_in_between(tmp_path: Path) -> None:
    # Each engine keeps its conversations' parsed histories between turns; a turn stored by another host process
    # (a second engine over the same memory) must still be in the next turn's history here.
    seen: list[list[str]] = []

    def echo(messages: list[ModelMessage], info: AgentInfo) -> str:
        prompts = [str(p.content) for m in messages for p in m.parts if p.part_kind == "user-prompt"]
        seen.append(prompts)
        return f"Heard {len(prompts)}."

    agents = {"sales": agent({})}
    async with engine_for(tmp_path, scripted(echo), agents=agents) as here:
        session = await here.start(account="demo", agent="sales")
        await collect(here.send(session.id, "one", account="demo", client_message_id="1"))
        await collect(here.send(session.id, "two", account="demo", client_message_id="2"))
        async with engine_for(tmp_path, scripted(echo), agents=agents) as elsewhere:
            await collect(elsewhere.send(session.id, "three", account="demo", client_message_id="3"))
        last = await collect(here.send(session.id, "four", account="demo", client_message_id="4"))
    assert seen == [["one"], ["one", "two"], ["one", "two", "three"], ["one", "two", "three", "four"]]
    assert isinstance(last[-1], TurnFinished) and last[-1].output == "Heard 4."
