"""Configured agents as pydantic-ai Agents, and one question answered with the tool calls it took."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import pydantic_ai
from pydantic_ai import (
    Agent,
    DeferredToolRequests,
    ModelRequest,
    ModelResponse,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.messages import ERROR_OUTCOMES
from pydantic_ai.models import Model
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.usage import UsageLimits

from salient_host.config.schema import Config
from salient_host.config.tenancy import DEMO_ACCOUNT
from salient_host.errors import SalientHostError
from salient_host.mcp.supervision import SupervisedToolset, supervise_all
from salient_host.mcp.toolsets import account_toolset, agent_toolsets

# A run ends in an answer, or in destructive calls waiting for approval (nothing was executed for those).
Output = str | DeferredToolRequests


class UnknownAgent(SalientHostError):
    def __init__(self, config: Config, name: str) -> None:
        known = ", ".join(sorted(config.agents)) or "none are configured"
        super().__init__(f"no agent named {name!r} in {config.source}; agents: {known}")


class ServerUnavailable(SalientHostError):
    def __init__(self, server: str, error: str) -> None:
        super().__init__(
            f"server {server!r} is unreachable ({error}); `salient servers status` and `salient config check` show why"
        )


def build_agent(
    config: Config,
    name: str,
    model: Model | None = None,
    servers: Mapping[str, MCPToolset[Any] | SupervisedToolset] | None = None,
    *,
    toolsets: Sequence[AbstractToolset[Any]] | None = None,
    account: str | None = None,
) -> Agent[None, Output]:
    """The agent `name` as configured; `model` may be left out and given to each run instead.

    `servers` are the connections to use (an MCPToolset gets a supervisor of its own here); by default, new ones
    for `account`, which must then be given: a connection acts for one account (config/tenancy.py).
    `toolsets` replaces the agent's own (`agent_toolsets`), for callers that wrap them (conversation turns do).
    """
    if name not in config.agents:
        raise UnknownAgent(config, name)
    # pydantic-ai greets a process's first run with a banner on stderr (Logfire advice) when a person or a coding
    # agent might read it; the host's output is its own, and the banner landed in the middle of the first answer.
    pydantic_ai.BANNER_ENABLED = False
    agent = config.agents[name]
    if toolsets is None:
        if account is None and servers is None:
            raise ValueError(f"build_agent({name!r}) needs the account its new server connections act for")
        given = supervised(servers, account)
        # Given connections are checked against the account (`server_toolsets`); without one, against their own.
        owners = {s.account for s in (given or {}).values() if s.account is not None}
        owner = account or (owners.pop() if len(owners) == 1 else DEMO_ACCOUNT)
        toolsets = agent_toolsets(config, agent, account=owner, servers=given)
    return Agent(
        model,
        output_type=[str, DeferredToolRequests],
        instructions=config.instructions(name),
        name=name,
        description=agent.description,
        toolsets=list(toolsets),
    )


def supervised(
    servers: Mapping[str, MCPToolset[Any] | SupervisedToolset] | None, account: str | None = None
) -> dict[str, SupervisedToolset] | None:
    if servers is None:
        return None
    return {
        name: given if isinstance(given, SupervisedToolset) else SupervisedToolset(name, given, account=account)
        for name, given in servers.items()
    }


def usage_limits(config: Config, name: str) -> UsageLimits:
    limits = config.agents[name].limits
    return UsageLimits(tool_calls_limit=limits.tool_calls_per_turn, total_tokens_limit=limits.tokens_per_turn)


@dataclass
class ToolCall:
    tool: str
    args: dict[str, Any]
    result: Any = None
    error: str | None = None

    def summary(self) -> str:
        args = json.dumps(self.args, ensure_ascii=False, default=str)
        return f"{self.tool}({args}) -> " + (f"error: {self.error}" if self.error else "ok")


@dataclass
class Answer:
    agent: str
    model: str
    output: str | None
    tool_calls: list[ToolCall] = field(default_factory=list[ToolCall])
    # Destructive calls the model asked for and the approval policy held back: proposed, never executed.
    awaiting_approval: list[ToolCall] = field(default_factory=list[ToolCall])
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "model": self.model,
            "output": self.output,
            "tool_calls": [vars(c) for c in self.tool_calls],
            "awaiting_approval": [{"tool": c.tool, "args": c.args} for c in self.awaiting_approval],
            "usage": {
                "requests": self.requests,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
            },
        }


def executed_calls(messages: list[Any], pending: set[str]) -> dict[str, ToolCall]:
    """Tool calls in a run by call id, in order, each with its result or error; calls still pending are left out."""
    calls: dict[str, ToolCall] = {}
    for message in messages:
        for part in message.parts:
            if isinstance(message, ModelResponse) and isinstance(part, ToolCallPart):
                if part.tool_call_id not in pending:
                    calls[part.tool_call_id] = ToolCall(part.tool_name, part.args_as_dict())
            elif isinstance(message, ModelRequest) and isinstance(part, ToolReturnPart):
                if part.tool_call_id in calls and part.outcome in ERROR_OUTCOMES:
                    calls[part.tool_call_id].error = part.model_response_str(wrap_if_error=False)
                elif part.tool_call_id in calls:
                    calls[part.tool_call_id].result = part.content
    return calls


async def ask(config: Config, name: str, question: str, model: Model, model_name: str, *, account: str) -> Answer:
    """Run one turn of agent `name` on `question`, over new connections acting for `account`."""
    if name not in config.agents:
        raise UnknownAgent(config, name)
    made = {s: account_toolset(config, account, s) for s in config.agents[name].servers}
    servers = supervise_all(made, account=account)
    agent = build_agent(config, name, model, servers, account=account)
    async with AsyncExitStack() as stack:
        # Connect to each server up front, through its supervisor (which then restarts a server that fails during
        # the run), so a server that cannot start is named.
        for server, supervisor in servers.items():
            await stack.enter_async_context(supervisor)
            status = supervisor.status
            if status.state == "down":
                raise ServerUnavailable(server, status.last_error or "it did not start")
        result = await agent.run(question, usage_limits=usage_limits(config, name))
    output, pending = result.output, []
    if isinstance(output, DeferredToolRequests):
        pending = [ToolCall(c.tool_name, c.args_as_dict()) for c in output.approvals + output.calls]
        ids = {c.tool_call_id for c in output.approvals + output.calls}
        output = None
    else:
        ids: set[str] = set()
    usage = result.usage
    return Answer(
        agent=name,
        model=model_name,
        output=output,
        tool_calls=list(executed_calls(result.all_messages(), ids).values()),
        awaiting_approval=pending,
        requests=usage.requests,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
    )
