"""Agents over real Salient servers on stdio: allow-lists, prefixes, tool calls, and approval of destructive tools."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from host_support import agent, stdio_server, tiny_server, write_config
from pydantic_ai import ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.exceptions import UsageLimitExceeded
from pydantic_ai.models.function import AgentInfo, FunctionModel
from salient_host.config.load import load_config
from salient_host.config.schema import Config
from salient_host.engine.agents import ask, build_agent
from salient_host.mcp.commands import resolve_command


def config(tmp_path: Path, servers: list[str], agents: dict[str, Any]) -> Config:
    raw = {"servers": {s: stdio_server(s, tmp_path / f"{s}.db") for s in servers}, "agents": agents}
    return load_config(write_config(tmp_path / "config", raw), {})


class Offered:
    """A model that records the tools it is offered and answers without calling any."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.names = sorted(t.name for t in info.function_tools)
        return ModelResponse(parts=[TextPart("Nothing to do.")])


async def test_agent_sees_exactly_the_allowed_prefixed_tools(tmp_path: Path) -> None:
    agents = {
        "sales": agent({"catalog": ["search_products", "get_*"], "crossfeed": ["recommend_*"]}),
        "everything": agent({"catalog": ["*"]}),
    }
    cfg = config(tmp_path, ["catalog", "crossfeed"], agents)
    offered = Offered()
    answer = await ask(cfg, "sales", "hello", FunctionModel(offered), "scripted", account="demo")
    assert answer.output == "Nothing to do." and answer.tool_calls == []
    assert offered.names == [
        "catalog_get_product",
        "catalog_search_products",
        "crossfeed_recommend_cross_sell",
        "crossfeed_recommend_upsell",
    ]
    await ask(cfg, "everything", "hello", FunctionModel(offered), "scripted", account="demo")
    assert offered.names == [
        "catalog_adjust_stock",
        "catalog_check_availability",
        "catalog_compare_products",
        "catalog_get_product",
        "catalog_list_categories",
        "catalog_lookup_products",
        "catalog_search_products",
    ]


def returned(part: ToolReturnPart) -> dict[str, Any]:
    """A Salient tool's structured result, as the model sees it."""
    assert isinstance(part.content, dict)
    return part.content


def search_then_answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """Search the catalog for the user's words, then answer with the first product the tool returned."""
    last = messages[-1].parts[-1]
    if isinstance(last, ToolReturnPart):
        hit = returned(last)["hits"][0]["product"]
        return ModelResponse(parts=[TextPart(f"Try the {hit['name']} ({hit['price_from']['amount']} USD).")])
    return ModelResponse(parts=[ToolCallPart("catalog_search_products", {"query": "glucose meter"})])


async def test_scripted_model_answers_from_a_real_catalog_search(tmp_path: Path) -> None:
    cfg = config(tmp_path, ["catalog"], {"sales": agent({"catalog": ["search_products"]})})
    answer = await ask(
        cfg, "sales", "I need a glucose meter", FunctionModel(search_then_answer), "scripted", account="demo"
    )
    [call] = answer.tool_calls
    assert call.tool == "catalog_search_products" and call.args == {"query": "glucose meter"} and call.error is None
    top = call.result["hits"][0]["product"]
    assert "Glucose Meter" in top["name"] and top["in_stock"] is True
    assert answer.output == f"Try the {top['name']} ({top['price_from']['amount']} USD)."
    assert answer.awaiting_approval == [] and answer.requests == 2


def archive_contact(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    last = messages[-1].parts[-1]
    if isinstance(last, ToolReturnPart):
        return ModelResponse(parts=[TextPart(f"Archived: {returned(last)['record']['archived']}")])
    return ModelResponse(parts=[ToolCallPart("crm_archive_record", {"object_type": "contact", "id": "60"})])


async def contact_active(tmp_path: Path) -> bool:
    """Ask the CRM directly, not through the host, whether demo contact 60 is active (archived ones are hidden)."""
    args = ["--db", f"sqlite:///{tmp_path / 'crm.db'}", "--demo", "--log-level", "WARNING"]
    async with Client(StdioTransport(resolve_command("salient-crm"), args, keep_alive=False)) as client:
        result = await client.call_tool("get_records", {"object_type": "contact", "ids": ["60"]})
    found = result.structured_content
    assert found is not None
    return [r["id"] for r in found["records"] if not r["archived"]] == ["60"]


async def test_destructive_call_waits_for_approval_and_is_not_executed(tmp_path: Path) -> None:
    cfg = config(tmp_path, ["crm"], {"sales": agent({"crm": ["archive_record", "get_records"]})})
    assert cfg.agents["sales"].approval == "ask"
    answer = await ask(cfg, "sales", "archive contact 60", FunctionModel(archive_contact), "scripted", account="demo")
    assert answer.output is None and answer.tool_calls == []
    assert [(c.tool, c.args) for c in answer.awaiting_approval] == [
        ("crm_archive_record", {"object_type": "contact", "id": "60"})
    ]
    assert await contact_active(tmp_path) is True


async def test_allow_runs_destructive_tools_and_deny_hides_them(tmp_path: Path) -> None:
    agents = {
        "trusted": agent({"crm": ["archive_record", "get_records"]}, approval="allow"),
        "guarded": agent({"crm": ["archive_record", "get_records"]}, approval="deny"),
    }
    cfg = config(tmp_path, ["crm"], agents)
    offered = Offered()
    await ask(cfg, "guarded", "hello", FunctionModel(offered), "scripted", account="demo")
    assert offered.names == ["crm_get_records"]
    answer = await ask(cfg, "trusted", "archive contact 60", FunctionModel(archive_contact), "scripted", account="demo")
    assert [c.tool for c in answer.tool_calls] == ["crm_archive_record"] and answer.output == "Archived: True"
    assert await contact_active(tmp_path) is False


async def test_tool_call_limit_comes_from_the_configuration(tmp_path: Path) -> None:
    limits = {"tool_calls_per_turn": 1}
    cfg = config(tmp_path, ["catalog"], {"sales": agent({"catalog": ["search_products"]}, limits=limits)})
    built = build_agent(cfg, "sales", account="demo")
    assert built.name == "sales" and "Answer from tools." in cfg.instructions("sales")

    def search_twice(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[ToolCallPart("catalog_search_products", {"query": q}) for q in ("a", "b")])

    with pytest.raises(UsageLimitExceeded, match="tool_calls_limit of 1"):
        await ask(cfg, "sales", "two searches", FunctionModel(search_twice), "scripted", account="demo")


async def test_a_stdio_server_killed_during_ask_is_restarted_and_the_answer_still_comes(tmp_path: Path) -> None:
    raw = {"servers": {"tiny": tiny_server("pid")}, "agents": {"sales": agent({"tiny": ["pid"]})}}
    cfg = load_config(write_config(tmp_path / "config", raw), {})
    pids: list[int] = []

    def kill_then_ask_again(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1].parts[-1]
        if isinstance(last, ToolReturnPart):
            pids.append(returned(last)["pid"])
            if len(pids) == 1:
                os.kill(pids[0], signal.SIGKILL)  # the server dies between two calls of one `ask`
            else:
                return ModelResponse(parts=[TextPart(f"answered by {pids[0]}, then by {pids[1]}")])
        return ModelResponse(parts=[ToolCallPart("tiny_pid", {})])

    answer = await ask(cfg, "sales", "which process?", FunctionModel(kill_then_ask_again), "scripted", account="demo")
    # Restarted by its supervisor, not marked down: the second call reached a new process and the answer came.
    assert len(pids) == 2 and pids[0] != pids[1]
    assert answer.output == f"answered by {pids[0]}, then by {pids[1]}"
    assert [c.error for c in answer.tool_calls] == [None, None]
