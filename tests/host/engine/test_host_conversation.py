"""Conversations over real Salient servers: streamed turns, memory, idempotent resends, resumption, approvals.

The catalog and the CRM run once per module over streamable HTTP (each turn opens its own MCP sessions to them);
one test runs the catalog over stdio. Models are scripted FunctionModels with a stream function.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from engine_support import (
    collect,
    engine_for,
    module_servers,
    of_type,
    requests_of,
    scripted,
    tool_result,
)
from fastmcp import Client
from host_support import agent, stdio_server
from pydantic_ai import ModelMessage, ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from salient_host.engine.conversation import (
    DENIED,
    NOT_DECIDED,
    ConversationEngine,
    DecisionMismatch,
    NothingToDecide,
    SessionNotFound,
)
from salient_host.engine.events import (
    ApprovalRequested,
    Notice,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)

PRICES = {"scripted": {"input_usd_per_million": 3.0, "output_usd_per_million": 15.0}}


# Once per module: each test's turns still open MCP sessions of their own.
servers = pytest.fixture(scope="module", name="servers")(module_servers)


def search_then_answer(messages: list[ModelMessage], info: AgentInfo) -> Any:
    """Search the catalog for a glucose meter, then name the first product found."""
    result = tool_result(messages)
    if result is None:
        return [("catalog_search_products", {"query": "glucose meter"})]
    product = result.content["hits"][0]["product"]
    return f"The best match is {product['name']} at {product['price_from']['amount']} USD."


def texts(events: list[TurnEvent]) -> str:
    return "".join(e.text for e in of_type(events, TextDelta))


async def test_a_turn_streams_text_and_tool_calls_and_is_recorded(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"catalog": ["search_products"]})}
    async with engine_for(
        tmp_path, scripted(search_then_answer), servers=servers, agents=agents, prices=PRICES
    ) as engine:
        session = await engine.start(account="demo", agent="sales", origin={"page": "/meters"})
        events = await collect(
            engine.send(session.id, "I need a glucose meter", account="demo", client_message_id="m1")
        )
        store = engine.store
        requests = await store.requests(session.id)
        calls = await store.tool_calls(session.id)
        messages = await store.messages(session.id)
        shown = await engine.history(session.id, account="demo")
        info = await engine.get(session.id, account="demo")

    assert [e.seq for e in events] == list(range(len(events)))
    assert len({e.turn_id for e in events}) == 1
    started, finished = of_type(events, ToolStarted), of_type(events, ToolFinished)
    assert [(s.server, s.tool, s.args) for s in started] == [("catalog", "search_products", {"query": "glucose meter"})]
    assert [(f.call_id, f.ok, f.error) for f in finished] == [(started[0].call_id, True, None)]
    assert events.index(started[0]) < events.index(finished[0]) < events.index(of_type(events, TextDelta)[0])
    assert finished[0].duration_ms > 0
    end = events[-1]
    assert isinstance(end, TurnFinished)
    deltas = of_type(events, TextDelta)
    assert len(deltas) > 5 and texts(events) == end.output  # word by word, as the model streamed it
    assert end.output is not None and end.output.startswith("The best match is ") and "Glucose" in end.output

    assert [(r.model, r.status, r.agent, r.account_id) for r in requests] == [("scripted", "ok", "sales", "demo")] * 2
    assert all(r.latency_ms > 0 and r.input_tokens > 0 and r.output_tokens > 0 for r in requests)
    expected = [(r.input_tokens * 3 + r.output_tokens * 15) / 1_000_000 for r in requests]
    assert [float(r.cost_usd or -1) for r in requests] == pytest.approx(expected)
    assert end.cost_usd == pytest.approx(sum(expected))
    assert end.input_tokens == sum(r.input_tokens for r in requests)
    assert [(c.server, c.tool, c.args, c.outcome, c.call_id) for c in calls] == [
        ("catalog", "search_products", {"query": "glucose meter"}, "ok", started[0].call_id)
    ]

    assert [(m.seq, m.role, m.client_message_id) for m in messages] == [(0, "user", "m1"), (1, "assistant", None)]
    assert [(m.role, m.text) for m in shown] == [("user", "I need a glucose meter"), ("assistant", end.output)]
    assert shown[1].id == end.message_id and [c.tool for c in shown[1].tool_calls] == ["search_products"]
    assert info.title == "I need a glucose meter" and info.origin == {"page": "/meters"}


async def test_the_message_is_stored_before_the_model_is_called(tmp_path: Path) -> None:
    seen: list[list[tuple[str, str]]] = []
    holder: dict[str, ConversationEngine] = {}

    async def look_first(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        engine = holder["engine"]
        [session] = await engine.store.list_sessions()
        seen.append([(m.role, m.text) for m in await engine.store.messages(session.session.id)])
        yield "Seen."

    async with engine_for(tmp_path, FunctionModel(stream_function=look_first), agents={"sales": agent({})}) as engine:
        holder["engine"] = engine
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "Are you there?", account="demo", client_message_id="a"))
    assert seen == [[("user", "Are you there?")]]
    assert isinstance(events[-1], TurnFinished) and events[-1].output == "Seen."


async def test_a_model_error_ends_the_turn_with_the_providers_message_and_keeps_the_message(tmp_path: Path) -> None:
    async def overloaded(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        raise ModelHTTPError(400, "scripted", body={"error": {"message": "The prompt is too long for me."}})
        yield ""  # an async generator, as stream functions are

    async with engine_for(tmp_path, FunctionModel(stream_function=overloaded), agents={"sales": agent({})}) as engine:
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "A very long question", account="demo", client_message_id="a"))
        messages = await engine.store.messages(session.id)
        requests = await engine.store.requests(session.id)
        shown = await engine.history(session.id, account="demo")
    assert events == [
        TurnFailed(
            turn_id=events[0].turn_id,
            seq=0,
            code="model_error",
            message="The model failed: The prompt is too long for me. (HTTP 400)",
        )
    ]
    assert [(m.role, m.text, m.error_code) for m in messages] == [
        ("user", "A very long question", None),
        ("assistant", "", "model_error"),
    ]
    assert [(r.status, r.error) for r in requests] == [("error", "The prompt is too long for me. (HTTP 400)")]
    assert [m.text for m in shown] == ["A very long question"]


async def test_without_a_model_the_turn_says_how_to_configure_one_and_keeps_the_message(tmp_path: Path) -> None:
    async with engine_for(tmp_path, None, agents={"sales": agent({})}) as configured:
        engine = ConversationEngine(configured.config, configured.store, env={})
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "Hello?", account="demo", client_message_id="a"))
        messages = await engine.store.messages(session.id)
        requests = await engine.store.requests(session.id)
    [failed] = events
    assert isinstance(failed, TurnFailed) and failed.code == "no_model"
    assert failed.message.startswith("No model is configured for agent 'sales'.")
    assert "OPENROUTER_API_KEY" in failed.message
    assert [(m.role, m.text) for m in messages] == [("user", "Hello?"), ("assistant", "")]
    assert requests == []


async def test_resending_a_message_follows_its_turn_instead_of_running_it_again(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"catalog": ["search_products"]})}
    model = scripted(search_then_answer)
    async with engine_for(tmp_path, model, servers=servers, agents=agents, prices=PRICES) as engine:
        session = await engine.start(account="demo", agent="sales")
        # Two sends with one id at once (a double click), then the retry after a dropped stream.
        first, twin = await asyncio.gather(
            collect(engine.send(session.id, "meters?", account="demo", client_message_id="m-1")),
            collect(engine.send(session.id, "meters?", account="demo", client_message_id="m-1")),
        )
        resumed = await collect(
            engine.send(session.id, "meters?", account="demo", client_message_id="m-1", after_seq=3)
        )
        messages = await engine.store.messages(session.id)
        requests = await engine.store.requests(session.id)
        calls = await engine.store.tool_calls(session.id)
    assert first == twin and isinstance(first[-1], TurnFinished)
    assert resumed == [e for e in first if e.seq > 3]
    assert [m.role for m in messages] == ["user", "assistant"] and len(requests) == 2 and len(calls) == 1

    # After a restart, the same id is answered from memory: the same outcome, nothing stored or paid again.
    async with engine_for(tmp_path, model, servers=servers, agents=agents, prices=PRICES) as restarted:
        again = await collect(restarted.send(session.id, "meters?", account="demo", client_message_id="m-1"))
        assert len(await restarted.store.messages(session.id)) == 2
        assert len(await restarted.store.requests(session.id)) == 2
    finished = first[-1]
    assert isinstance(again[-1], TurnFinished)
    assert (again[-1].message_id, again[-1].output, again[-1].input_tokens) == (
        finished.message_id,
        finished.output,
        finished.input_tokens,
    )
    assert again[-1].cost_usd == pytest.approx(finished.cost_usd)
    assert texts(again) == finished.output


async def test_a_dropped_stream_does_not_stop_the_turn_and_resumes_after_the_last_event_seen(tmp_path: Path) -> None:
    release = asyncio.Event()

    async def slow(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str]:
        yield "First words, "
        await release.wait()
        for piece in ["then ", "the ", "rest."]:
            yield piece

    async with engine_for(tmp_path, FunctionModel(stream_function=slow), agents={"sales": agent({})}) as engine:
        session = await engine.start(account="demo", agent="sales")
        stream = engine.send(session.id, "Tell me", account="demo", client_message_id="x")
        first = await anext(stream)
        await stream.aclose()  # the browser went away
        release.set()
        rest = await collect(
            engine.send(session.id, "Tell me", account="demo", client_message_id="x", after_seq=first.seq)
        )
        await engine.wait_idle()
        messages = await engine.store.messages(session.id)
    assert isinstance(first, TextDelta) and first.text == "First words, "
    assert [e.seq for e in rest] == list(range(first.seq + 1, first.seq + 1 + len(rest)))
    assert first.text + texts(rest) == "First words, then the rest."
    assert isinstance(rest[-1], TurnFinished) and rest[-1].output == "First words, then the rest."
    assert [(m.role, m.text) for m in messages][-1] == ("assistant", "First words, then the rest.")


def archive(contact: str, seen: list[list[ModelMessage]] | None = None) -> Any:
    """Archive a CRM contact; then report what the tool said (or that it was denied)."""

    def script(messages: list[ModelMessage], info: AgentInfo) -> Any:
        if seen is not None:
            seen.append(messages)
        result = tool_result(messages)
        if result is None and "never mind" in str(messages[-1].parts[-1].content):
            return "I left it alone."
        if result is None:
            return [("crm_archive_record", {"object_type": "contact", "id": contact})]
        if result.outcome == "denied":
            return f"I did not archive it: {result.content}"
        assert isinstance(result.content, dict), (result.outcome, result.content)
        return f"Archived: {result.content['record']['archived']}"

    return script


async def contact_active(url: str, contact: str) -> bool:
    """Ask the CRM directly, not through the host, whether a demo contact is still active."""
    async with Client(url) as client:
        found = await client.call_tool("get_records", {"object_type": "contact", "ids": [contact]})
    assert found.structured_content is not None
    return [r["id"] for r in found.structured_content["records"] if not r["archived"]] == [contact]


async def test_an_approved_destructive_call_runs_after_the_decision(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"crm": ["archive_record", "get_records"]})}
    async with engine_for(tmp_path, scripted(archive("57")), servers=servers, agents=agents) as engine:
        session = await engine.start(account="demo", agent="sales")
        held = await collect(engine.send(session.id, "Archive contact 57", account="demo", client_message_id="a"))
        pending = await engine.pending_approvals(session.id, account="demo")
        status = (await engine.store.get_session(session.id, account="demo")).status  # type: ignore[union-attr]
        active_before = await contact_active(servers["crm"]["url"], "57")
        [request] = of_type(held, ApprovalRequested)
        with pytest.raises(DecisionMismatch, match=r"pending \['" + request.call_id):
            await collect(engine.decide(session.id, {"nope": True}, account="demo", client_message_id="d0"))
        done = await collect(engine.decide(session.id, {request.call_id: True}, account="demo", client_message_id="d1"))
        calls = await engine.store.tool_calls(session.id)
        shown = await engine.history(session.id, account="demo")
        with pytest.raises(NothingToDecide):
            await collect(engine.decide(session.id, {request.call_id: True}, account="demo", client_message_id="d2"))
    assert (request.server, request.tool, request.args) == (
        "crm",
        "archive_record",
        {"object_type": "contact", "id": "57"},
    )
    assert "asks a person before running" in request.reason
    assert of_type(held, ToolStarted) == [] and isinstance(held[-1], TurnFinished) and held[-1].output is None
    assert [(c.call_id, c.outcome) for c in pending] == [(request.call_id, "awaiting_approval")]
    assert status == "awaiting_approval" and active_before is True

    [started], [finished] = of_type(done, ToolStarted), of_type(done, ToolFinished)
    assert started.call_id == finished.call_id == request.call_id and finished.ok
    assert isinstance(done[-1], TurnFinished) and done[-1].output == "Archived: True"
    assert [(c.call_id, c.outcome) for c in calls] == [(request.call_id, "ok")]
    assert await contact_active(servers["crm"]["url"], "57") is False
    assert [(m.role, m.text) for m in shown] == [
        ("user", "Archive contact 57"),
        ("assistant", ""),
        ("assistant", "Archived: True"),
    ]
    assert [c.outcome for c in shown[1].tool_calls] == ["ok"]


async def test_a_denied_call_is_not_run_and_is_recorded_as_denied(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"crm": ["archive_record"]})}
    seen: list[list[ModelMessage]] = []
    async with engine_for(tmp_path, scripted(archive("58", seen)), servers=servers, agents=agents) as engine:
        session = await engine.start(account="demo", agent="sales")
        held = await collect(engine.send(session.id, "Archive contact 58", account="demo", client_message_id="a"))
        [request] = of_type(held, ApprovalRequested)
        done = await collect(engine.decide(session.id, {request.call_id: False}, account="demo", client_message_id="d"))
        calls = await engine.store.tool_calls(session.id)
    assert of_type(done, ToolStarted) == [] and of_type(done, ToolFinished) == []
    assert [n.text for n in of_type(done, Notice)] == ["Not run: crm.archive_record (denied)."]
    assert isinstance(done[-1], TurnFinished) and done[-1].output == f"I did not archive it: {DENIED}"
    denial = seen[-1][-1].parts[-1]
    assert isinstance(denial, ToolReturnPart) and denial.outcome == "denied"
    assert [(c.call_id, c.outcome) for c in calls] == [(request.call_id, "denied")]
    assert await contact_active(servers["crm"]["url"], "58") is True


async def test_a_new_message_instead_of_a_decision_denies_the_held_calls(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"crm": ["archive_record"]})}
    seen: list[list[ModelMessage]] = []
    async with engine_for(tmp_path, scripted(archive("59", seen)), servers=servers, agents=agents) as engine:
        session = await engine.start(account="demo", agent="sales")
        held = await collect(engine.send(session.id, "Archive contact 59", account="demo", client_message_id="a"))
        [request] = of_type(held, ApprovalRequested)
        after = await collect(engine.send(session.id, "Actually, never mind.", account="demo", client_message_id="b"))
        calls = await engine.store.tool_calls(session.id)
        pending = await engine.pending_approvals(session.id, account="demo")
    request_parts = seen[-1][-1].parts
    assert [type(p) for p in request_parts] == [ToolReturnPart, UserPromptPart]
    assert request_parts[0].tool_call_id == request.call_id and request_parts[0].content == NOT_DECIDED
    assert [(c.outcome, c.error) for c in calls] == [("denied", NOT_DECIDED)] and pending == []
    assert isinstance(after[-1], TurnFinished) and after[-1].output == "I left it alone."
    assert await contact_active(servers["crm"]["url"], "59") is True


async def test_another_accounts_session_is_refused_like_an_unknown_one(tmp_path: Path) -> None:
    async with engine_for(tmp_path, scripted(lambda m, i: "Hi."), agents={"sales": agent({})}) as engine:
        session = await engine.start(account="demo", agent="sales")
        refusals = []
        for session_id in (session.id, "0" * 32):
            for call in (
                engine.get(session_id, account="rival"),
                engine.history(session_id, account="rival"),
                engine.pending_approvals(session_id, account="rival"),
                collect(engine.send(session_id, "hi", account="rival", client_message_id="r")),
                collect(engine.decide(session_id, {"c": True}, account="rival", client_message_id="r")),
            ):
                with pytest.raises(SessionNotFound) as caught:
                    await call
                refusals.append(str(caught.value).replace(session_id, "ID"))
        assert await engine.store.messages(session.id) == []
        assert await engine.list_sessions(account="rival") == []
        assert [s.id for s in await engine.list_sessions(account="demo")] == [session.id]
    assert set(refusals) == {"no session 'ID' for this account"} and len(refusals) == 10


async def test_a_resumed_session_replays_instructions_and_tool_history(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    agents = {"sales": agent({"catalog": ["search_products"]})}
    received: list[tuple[list[ModelMessage], str | None]] = []

    def remember(messages: list[ModelMessage], info: AgentInfo) -> Any:
        received.append((list(messages), info.instructions))
        if len(messages) == 1:
            return search_then_answer(messages, info)
        if tool_result(messages) is not None:
            return search_then_answer(messages, info)
        return "The one I found before."

    instructions = "You are the Acme sales agent. Always search the catalog."
    async with engine_for(
        tmp_path, scripted(remember), servers=servers, agents=agents, instructions=instructions
    ) as engine:
        session = await engine.start(account="demo", agent="sales")
        await collect(engine.send(session.id, "A glucose meter?", account="demo", client_message_id="1"))
    # A new engine, as after a restart: everything the model needs must come from memory.
    async with engine_for(
        tmp_path, scripted(remember), servers=servers, agents=agents, instructions=instructions
    ) as engine:
        events = await collect(engine.send(session.id, "Which one was it?", account="demo", client_message_id="2"))
    messages, seen_instructions = received[-1]
    assert isinstance(events[-1], TurnFinished) and events[-1].output == "The one I found before."
    assert seen_instructions == instructions
    prompts = [p.content for r in requests_of(messages) for p in r.parts if isinstance(p, UserPromptPart)]
    assert prompts == ["A glucose meter?", "Which one was it?"]
    calls = [p for m in messages if isinstance(m, ModelResponse) for p in m.parts if isinstance(p, ToolCallPart)]
    returns = [p for r in requests_of(messages) for p in r.parts if isinstance(p, ToolReturnPart)]
    assert [(c.tool_name, c.args_as_dict()) for c in calls] == [("catalog_search_products", {"query": "glucose meter"})]
    assert [r.tool_call_id for r in returns] == [calls[0].tool_call_id]
    assert "Glucose" in returns[0].content["hits"][0]["product"]["name"]
    assert received[1][0][-1].parts[-1] == returns[0]  # the same result the first turn's model saw


async def test_concurrent_sessions_run_side_by_side_with_their_own_records(
    tmp_path: Path, servers: dict[str, dict[str, Any]]
) -> None:
    both_asking = asyncio.Barrier(2)

    async def search_what_was_asked(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
        result = tool_result(messages)
        if result is None:
            await both_asking.wait()  # neither turn goes on until both are running
            question = messages[-1].parts[-1].content
            yield {0: DeltaToolCall(name="catalog_search_products", json_args=f'{{"query": "{question}"}}')}
            return
        yield f"Found {result.content['total']}."

    agents = {"sales": agent({"catalog": ["search_products"]})}
    model = FunctionModel(stream_function=search_what_was_asked)
    async with engine_for(tmp_path, model, servers=servers, agents=agents) as engine:
        first = await engine.start(account="demo", agent="sales")
        second = await engine.start(account="demo", agent="sales")
        done = await asyncio.gather(
            collect(engine.send(first.id, "glucose meter", account="demo", client_message_id="a")),
            collect(engine.send(second.id, "wheelchair", account="demo", client_message_id="a")),
        )
        calls = [await engine.store.tool_calls(s.id) for s in (first, second)]
    assert all(isinstance(events[-1], TurnFinished) for events in done)
    assert [[c.args for c in session_calls] for session_calls in calls] == [
        [{"query": "glucose meter"}],
        [{"query": "wheelchair"}],
    ]


async def test_a_turn_over_a_stdio_server(tmp_path: Path) -> None:
    servers = {"catalog": stdio_server("catalog", tmp_path / "catalog.db")}
    agents = {"sales": agent({"catalog": ["search_products"]})}
    async with engine_for(tmp_path, scripted(search_then_answer), servers=servers, agents=agents) as engine:
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "glucose meter", account="demo", client_message_id="a"))
    [finished] = of_type(events, ToolFinished)
    assert (finished.server, finished.tool, finished.ok) == ("catalog", "search_products", True)
    assert isinstance(events[-1], TurnFinished) and "Glucose" in (events[-1].output or "")
