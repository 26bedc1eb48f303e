"""Budgets are enforced before each model request: per turn, per session, per agent and per account.

Each case spends in one turn, then shows that the next request is refused with a message naming the budget, what
was spent, the limit and where to raise it, and that nothing more was spent (no request made, none recorded).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from engine_support import collect, engine_for, of_type, scripted, tool_result
from host_support import agent
from pydantic_ai import ModelMessage, RetryPromptPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo
from salient_host.engine.events import Notice, TurnFailed, TurnFinished

PRICES = {"scripted": {"input_usd_per_million": 1000.0, "output_usd_per_million": 2000.0}}


class Counting:
    """A scripted model that answers in one request and counts the requests it gets."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> str:
        self.calls += 1
        return "Here is a fairly long answer, so that it costs something."


@dataclass(frozen=True)
class Case:
    id: str
    key: str  # the budget's place in the configuration
    value: float
    who: str  # how the message names what is counted
    second_account: str = "demo"  # the account of the session that is refused
    same_session: bool = False
    config: dict[str, Any] = field(default_factory=dict)


def configured(case: Case) -> dict[str, Any]:
    """The agents and accounts sections with this case's budget set."""
    sales = agent({})
    accounts: dict[str, Any] = {"demo": {"agents": ["sales"]}, "acme": {"agents": ["sales"]}}
    section, name, *rest = case.key.split(".")
    target = sales if section == "agents" else accounts[name]
    group, item = rest
    target.setdefault(group, {})[item] = case.value
    return {"agents": {"sales": sales}, "accounts": accounts}


CASES = [
    Case("session tokens", "agents.sales.limits.tokens_per_session", 10, "this session", same_session=True),
    Case("session cost", "agents.sales.limits.cost_per_session_usd", 0.01, "this session", same_session=True),
    Case("agent tokens", "agents.sales.budgets.tokens_per_day", 10, "agent 'sales' today (UTC)", "acme"),
    Case("agent cost", "agents.sales.budgets.cost_per_month_usd", 0.01, "agent 'sales' this month (UTC)", "acme"),
    Case("account tokens", "accounts.demo.budgets.tokens_per_day", 10, "account 'demo' today (UTC)"),
    Case("account cost", "accounts.demo.budgets.cost_per_month_usd", 0.01, "account 'demo' this month (UTC)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_spent_budget_stops_the_next_request(tmp_path: Path, case: Case) -> None:
    model = Counting()
    async with engine_for(tmp_path, scripted(model), prices=PRICES, **configured(case)) as engine:
        first = await engine.start(account="demo", agent="sales")
        spent = await collect(engine.send(first.id, "Tell me everything", account="demo", client_message_id="1"))
        second = first if case.same_session else await engine.start(account=case.second_account, agent="sales")
        refused = await collect(engine.send(second.id, "And more?", account=case.second_account, client_message_id="2"))
        requests = [r for s in {first.id, second.id} for r in await engine.store.requests(s)]
        messages = await engine.store.messages(second.id)
        if case.second_account == "demo" and not case.same_session:
            # The budget is the account's (or the agent's): another account goes on.
            other = await engine.start(account="acme", agent="sales")
            elsewhere = await collect(engine.send(other.id, "Hi", account="acme", client_message_id="3"))
            assert isinstance(elsewhere[-1], TurnFinished)
    assert isinstance(spent[-1], TurnFinished)
    assert model.calls == (2 if case.second_account == "demo" and not case.same_session else 1)
    assert len(requests) == 1  # the refused turn made no request and recorded none
    [failed] = refused
    assert isinstance(failed, TurnFailed) and failed.code == "budget_exceeded"
    used = requests[0].input_tokens + requests[0].output_tokens
    unit = f"${case.value:.4f}" if "cost" in case.key else f"{int(case.value):,} tokens"
    assert failed.message.startswith(f"Budget exceeded: {case.who} has used ")
    assert f" of its {unit} budget ({case.key} in {tmp_path / 'config' / 'salient.yaml'}). Raise {case.key} there" in (
        failed.message
    )
    if "cost" in case.key:
        assert f"has used ${requests[0].cost_usd:.4f} of" in failed.message
    else:
        assert f"has used {used:,} tokens of" in failed.message
    assert messages[-2].text == "And more?"  # the person's message is kept all the same
    assert messages[-1].error_code == "budget_exceeded"


async def test_the_turn_cost_limit_stops_a_turn_between_requests(tmp_path: Path) -> None:
    seen: list[int] = []

    def try_a_tool_then_answer(messages: list[ModelMessage], info: AgentInfo) -> Any:
        seen.append(len(messages))
        last = messages[-1].parts[-1]
        if isinstance(last, RetryPromptPart | ToolReturnPart) or tool_result(messages) is not None:
            return "Done."
        return [("no_such_tool", {})]  # the model gets a retry prompt: a second request in the same turn

    agents = {"sales": agent({}, limits={"cost_per_turn_usd": 0.01})}
    async with engine_for(tmp_path, scripted(try_a_tool_then_answer), agents=agents, prices=PRICES) as engine:
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "Go", account="demo", client_message_id="1"))
        requests = await engine.store.requests(session.id)
        messages = await engine.store.messages(session.id)
    assert len(seen) == 1 and len(requests) == 1
    [failed] = of_type(events, TurnFailed)
    assert failed.code == "budget_exceeded"
    assert failed.message.startswith(f"Budget exceeded: this turn has used ${requests[0].cost_usd:.4f} of its $0.0100")
    assert (
        "(agents.sales.limits.cost_per_turn_usd in " in failed.message and "or ask something smaller" in failed.message
    )
    # What the turn got to is kept, with the unanswered call closed, so the session can go on.
    assert messages[-1].error_code == "budget_exceeded" and messages[-1].model_messages


async def test_a_session_budget_counts_the_running_turns_own_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The turn's records are committed in batches; a budget read from memory must still see the request just made,
    # however slowly its record is written.
    seen: list[int] = []

    def try_a_tool_then_answer(messages: list[ModelMessage], info: AgentInfo) -> Any:
        seen.append(len(messages))
        return "Done." if tool_result(messages) is not None else [("no_such_tool", {})]

    agents = {"sales": agent({}, limits={"tokens_per_session": 10})}
    async with engine_for(tmp_path, scripted(try_a_tool_then_answer), agents=agents, prices=PRICES) as engine:
        record = engine.store.record

        async def slowly(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.3)
            return await record(*args, **kwargs)

        monkeypatch.setattr(engine.store, "record", slowly)
        session = await engine.start(account="demo", agent="sales")
        events = await collect(engine.send(session.id, "Go", account="demo", client_message_id="1"))
        requests = await engine.store.requests(session.id)
    assert len(seen) == 1 and len(requests) == 1
    [failed] = of_type(events, TurnFailed)
    assert failed.code == "budget_exceeded" and failed.message.startswith("Budget exceeded: this session has used ")


async def test_a_budget_nearly_spent_is_noticed_before_it_stops_anything(tmp_path: Path) -> None:
    model = Counting()
    async with engine_for(tmp_path, scripted(model), agents={"sales": agent({})}, prices=PRICES) as engine:
        session = await engine.start(account="demo", agent="sales")
        await collect(engine.send(session.id, "First", account="demo", client_message_id="1"))
        [request] = await engine.store.requests(session.id)
    used = request.input_tokens + request.output_tokens
    agents = {"sales": agent({}, limits={"tokens_per_session": int(used / 0.9)})}
    async with engine_for(tmp_path, scripted(model), agents=agents, prices=PRICES) as engine:
        events = await collect(engine.send(session.id, "Second", account="demo", client_message_id="2"))
    [notice] = of_type(events, Notice)
    assert notice.level == "warning"
    assert notice.text == (
        f"Budget nearly spent: this session has used {used:,} tokens of its {int(used / 0.9):,} tokens budget "
        "(agents.sales.limits.tokens_per_session)."
    )
    assert isinstance(events[-1], TurnFinished)
