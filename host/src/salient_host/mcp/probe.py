"""Asking a server once what tools it offers: `salient config check`, `salient servers status`, the admin view.

Through a `SupervisedToolset`, like every other request the host makes (supervision.py), never a bare MCPToolset:
the same connection handling and the same reading of failures, so a probe and a conversation say the same thing
about a server, and the supervisor's `last_error` is the reason one could not be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from mcp.types import Tool

from salient_host.config.schema import ServerConfig
from salient_host.mcp.contracts import published_tools
from salient_host.mcp.supervision import ServerDown, SupervisedToolset
from salient_host.mcp.toolsets import mcp_toolset


async def probe_tools(name: str, server: ServerConfig, base_dir: Path, *, log_file: TextIO | None = None) -> list[Tool]:
    """The tools `server` offers, over a connection opened for this and closed after; ServerDown says why not.

    `log_file` takes a stdio server's stderr, so a caller can quote what a server that fails to start printed.
    Callers bound the wait (`asyncio.timeout`): a server that does not answer is not given up on here.
    """
    supervisor = SupervisedToolset(name, mcp_toolset(name, server, base_dir, log_file))
    async with supervisor:
        if supervisor.status.state != "up":
            raise ServerDown(supervisor.status.last_error or f"server {name!r} did not start")
        try:
            return list((await published_tools(supervisor)).values())
        except ServerDown as exc:
            raise ServerDown(supervisor.status.last_error or str(exc)) from exc
