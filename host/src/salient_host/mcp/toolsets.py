"""MCP servers as pydantic-ai toolsets: transports, and one typed record per server an agent uses (`ServerToolset`)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from fastmcp.client.transports import ClientTransport
from pydantic_ai import RunContext, ToolDefinition
from pydantic_ai.exceptions import ApprovalRequired
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.toolsets import AbstractToolset, ToolsetTool, WrapperToolset

from salient_host.config.schema import AgentConfig, Config, ServerConfig
from salient_host.config.tenancy import account_server, env_prefix, salient_name
from salient_host.errors import SalientHostError
from salient_host.mcp.client import HttpTransport, StdioServerTransport
from salient_host.mcp.commands import resolve_command
from salient_host.mcp.failures import tool_annotations
from salient_host.mcp.supervision import SupervisedToolset

# Stdio servers get a minimal environment (the MCP client's default: HOME, PATH, ...). These add where per-user
# data lives and the locale, so a server finds the same data directory the user's shell would.
PASSTHROUGH_ENV = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
# Settings of a Salient server that only the host sets, per account (config/tenancy.py): never passed through.
HOST_SET = ("ACCOUNT", "DEMO")


def settings_env(server: ServerConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables in `environ` that the settings of the Salient server `server` runs read (none for others).

    What the user exported for a Salient server (`SALIENT_<NAME>_*`) is meant for it and reaches only it; its
    account and demo switch excepted, which the host sets for each account's process itself.
    """
    name = salient_name(server)
    if name is None:
        return {}
    prefix = env_prefix(name)
    own = {prefix + key for key in HOST_SET}
    return {k: v for k, v in environ.items() if k.upper().startswith(prefix) and k.upper() not in own}


def transport(server: ServerConfig, base_dir: Path, log_file: TextIO | None = None) -> ClientTransport:
    """A transport to `server` as configured for one account (`account_server`), which is what it connects as."""
    # The host's transports (client.py): new sessions share what is immutable, never a session or credentials.
    if server.url:
        return HttpTransport(server.url, headers=dict(server.headers))
    assert server.command is not None, "config_load guarantees command or url"
    passed = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
    env = passed | settings_env(server, os.environ) | dict(server.env)
    cwd = str(base_dir / server.cwd) if server.cwd else None
    # keep_alive=False: the process ends with the session, so nothing outlives a command or a test.
    return StdioServerTransport(
        command=resolve_command(server.command),
        args=list(server.args),
        env=env,
        cwd=cwd,
        keep_alive=False,
        log_file=log_file,
    )


def mcp_toolset(name: str, server: ServerConfig, base_dir: Path, log_file: TextIO | None = None) -> MCPToolset[Any]:
    """An MCP toolset over `server`, which must already be one account's (`account_server`, `account_toolset`)."""
    return MCPToolset(
        transport(server, base_dir, log_file),
        id=name,
        init_timeout=server.init_timeout,
        read_timeout=server.timeout,
    )


def account_toolset(config: Config, account: str, name: str, log_file: TextIO | None = None) -> MCPToolset[Any]:
    """Server `name` as account `account` reaches it: that account's own process or credentials, never another's."""
    return mcp_toolset(name, account_server(config, account, name), config.base_dir, log_file)


def account_supervisor(config: Config, account: str, name: str) -> SupervisedToolset:
    """A new supervised connection to server `name` for account `account` (see `account_toolset`)."""
    return SupervisedToolset(name, account_toolset(config, account, name), account=account)


def is_destructive(tool: ToolDefinition) -> bool:
    """MCP's defaults: a tool is not read-only and is destructive unless its annotations say otherwise."""
    annotations = tool_annotations(tool)
    if annotations.get("readOnlyHint") is True:
        return False
    return annotations.get("destructiveHint") is not False


def allowed(tool_name: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(tool_name, pattern) for pattern in globs)


@dataclass(frozen=True)
class ServerToolset:
    """One server as one agent uses it: the seam between `mcp/` and `engine/`.

    `name` is the server's configured name, `supervisor` its supervised connection (status, restarts; the host's
    own requests go through it too), and `tools` what the agent may call there (allow-list and approval policy
    applied), under the server's own tool names. `for_agent` makes the toolset the model sees.
    """

    name: str
    supervisor: SupervisedToolset
    tools: AbstractToolset[Any]
    approval: Literal["allow", "ask", "deny"] = "allow"

    def for_agent(self, wrap: Wrap | None = None) -> AbstractToolset[Any]:
        """The toolset the model sees: gated by the approval policy, `<server>_`-prefixed (`tool_name`).

        `wrap` (the engine's recording, say) goes between the server's tools and the gate, and so sees each call by
        the server's own tool name, and only calls that run: a call the gate holds back reaches nothing inside it.
        """
        toolset = wrap(self, self.tools) if wrap is not None else self.tools
        if self.approval == "ask":
            toolset = ApprovalGate(toolset, server=self.name)
        return toolset.prefixed(self.name)

    def tool_name(self, tool: str) -> str:
        """The name the model sees for the server's tool `tool`."""
        return tool_name(self.name, tool)


def tool_name(server: str, tool: str) -> str:
    """The name the model sees for `tool` of `server` (what `ServerToolset.for_agent`'s prefix makes of it)."""
    return f"{server}_{tool}"


@dataclass
class ApprovalGate(WrapperToolset[Any]):
    """Holds a server's destructive calls back for a person's decision, naming the server and tool in the request.

    The held call's `DeferredToolRequests.metadata` is `{"server": ..., "tool": ...}`, so whoever shows or stores it
    knows where it goes without reading the model-facing name.
    """

    server: str = ""

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        if not ctx.tool_call_approved and is_destructive(tool.tool_def):
            raise ApprovalRequired(metadata={"server": self.server, "tool": name})
        return await super().call_tool(name, tool_args, ctx, tool)


# What the engine puts between a server's tools and their prefix (recording, the lead's origin): it is given the
# server's record and its tools, and returns the toolset to prefix.
Wrap = Callable[[ServerToolset, AbstractToolset[Any]], AbstractToolset[Any]]


class AccountMismatch(SalientHostError, ValueError):
    """A connection of one account offered for another's agent: refused, it would act on the wrong account's data."""


def server_toolsets(
    config: Config, agent: AgentConfig, *, account: str, servers: Mapping[str, SupervisedToolset] | None = None
) -> list[ServerToolset]:
    """One record per server the agent uses for `account`: supervised, allow-listed, with the agent's approval policy.

    `servers` lets callers share one account's supervised servers (one process per server) across agents, and read
    their status: pass `supervision.supervise_all({...}, account=...)`; a supervisor made for another account is
    refused (AccountMismatch). By default each server gets a new supervisor over a new connection for `account`
    (`account_supervisor`). A server that fails degrades the agent instead of failing the run (supervision.py).
    """
    records: list[ServerToolset] = []
    for name, access in agent.servers.items():
        if servers is not None:
            supervisor = servers[name]
            if supervisor.account is not None and supervisor.account != account:
                raise AccountMismatch(
                    f"the {name} connection given acts for account {supervisor.account!r}, not {account!r}"
                )
        else:
            supervisor = account_supervisor(config, account, name)
        globs, policy = list(access.tools), agent.approval

        # Bound per server through defaults: a closure over the loop variables would see only the last server.
        def keep(ctx: RunContext[Any], tool: ToolDefinition, globs: list[str] = globs, policy: str = policy) -> bool:
            return allowed(tool.name, globs) and not (policy == "deny" and is_destructive(tool))

        records.append(ServerToolset(name, supervisor, supervisor.filtered(keep), policy))
    return records


def agent_toolsets(
    config: Config, agent: AgentConfig, *, account: str, servers: Mapping[str, SupervisedToolset] | None = None
) -> list[AbstractToolset[Any]]:
    """The toolsets the agent's model sees (`server_toolsets`, each `for_agent`), for callers that add nothing."""
    return [record.for_agent() for record in server_toolsets(config, agent, account=account, servers=servers)]
