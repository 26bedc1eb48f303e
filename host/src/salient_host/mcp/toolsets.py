"""MCP servers as pydantic-ai toolsets: transports, supervision, `<server>_` prefixes, allow-lists, approval."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from fastmcp.client.transports import ClientTransport
from pydantic_ai import RunContext, ToolDefinition
from pydantic_ai.mcp import MCPToolset
from pydantic_ai.toolsets import AbstractToolset

from salient_host.config.schema import AgentConfig, Config, ServerConfig
from salient_host.mcp.client import HttpTransport, StdioServerTransport
from salient_host.mcp.commands import resolve_command
from salient_host.mcp.supervision import SupervisedToolset, supervise

# Stdio servers get a minimal environment (the MCP client's default: HOME, PATH, ...). These add where per-user
# data lives and the locale, so a server finds the same data directory the user's shell would.
PASSTHROUGH_ENV = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
# A Salient server's console script is `salient-<name>` and its settings read `SALIENT_<NAME>_*` (core's
# ServerSettings convention): what the user exported for that server is meant for it, and reaches only it.
SALIENT_COMMAND = re.compile(r"salient-([a-z][a-z0-9]*)(?:\.exe)?", re.IGNORECASE)


def settings_env(command: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables in `environ` that the settings of the Salient server run by `command` read (none for others)."""
    match = SALIENT_COMMAND.fullmatch(Path(command).name)
    if match is None:
        return {}
    prefix = f"SALIENT_{match.group(1).upper()}_"
    return {k: v for k, v in environ.items() if k.upper().startswith(prefix)}


def transport(server: ServerConfig, base_dir: Path, log_file: TextIO | None = None) -> ClientTransport:
    # The host's transports (client.py): new sessions share what is immutable, never a session or credentials.
    if server.url:
        return HttpTransport(server.url, headers=dict(server.headers))
    assert server.command is not None, "config_load guarantees command or url"
    passed = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
    env = passed | settings_env(server.command, os.environ) | dict(server.env)
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
    return MCPToolset(
        transport(server, base_dir, log_file),
        id=name,
        init_timeout=server.init_timeout,
        read_timeout=server.timeout,
    )


def is_destructive(tool: ToolDefinition) -> bool:
    """MCP's defaults: a tool is not read-only and is destructive unless its annotations say otherwise."""
    annotations = (tool.metadata or {}).get("annotations") or {}
    if annotations.get("readOnlyHint") is True:
        return False
    return annotations.get("destructiveHint") is not False


def allowed(tool_name: str, globs: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(tool_name, pattern) for pattern in globs)


def agent_toolsets(
    config: Config,
    agent: AgentConfig,
    servers: Mapping[str, MCPToolset[Any] | SupervisedToolset] | None = None,
) -> list[AbstractToolset[Any]]:
    """One toolset per server the agent uses: supervised, allow-listed, prefixed, and gated by the approval policy.

    `servers` lets callers share servers (one process per server) across agents, and read their status: pass
    `supervision.supervise_all({...})`, or MCPToolsets, which get their one supervisor each. By default each is new.
    Each server is supervised (see supervision.py): a server that fails degrades the agent instead of failing the
    run, and `supervision.supervised_servers(toolsets)` finds the supervisors again.
    """
    toolsets: list[AbstractToolset[Any]] = []
    for name, access in agent.servers.items():
        given = servers[name] if servers is not None else mcp_toolset(name, config.servers[name], config.base_dir)
        mcp = supervise(name, given)
        globs, policy = list(access.tools), agent.approval

        # Bound per server through defaults: a closure over the loop variables would see only the last server.
        def keep(ctx: RunContext[Any], tool: ToolDefinition, globs: list[str] = globs, policy: str = policy) -> bool:
            # The filter sits inside the prefix, so globs match the server's own tool names.
            return allowed(tool.name, globs) and not (policy == "deny" and is_destructive(tool))

        toolset: AbstractToolset[Any] = mcp.filtered(keep).prefixed(name)
        if policy == "ask":
            toolset = toolset.approval_required(lambda ctx, tool, args: is_destructive(tool))
        toolsets.append(toolset)
    return toolsets
