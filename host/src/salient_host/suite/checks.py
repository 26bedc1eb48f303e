"""Start each configured server, list its tools (mcp/probe.py), and check the configuration against what they offer."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from salient_host.config.load import NAME_LIMIT
from salient_host.config.problems import display_path
from salient_host.config.schema import Config, ServerConfig
from salient_host.config.tenancy import account_server, checking_account
from salient_host.mail.settings import mail_problems
from salient_host.mcp.failures import describe
from salient_host.mcp.probe import probe_tools
from salient_host.mcp.supervision import ServerDown
from salient_host.problems import Problem


@dataclass
class Probe:
    server: str
    transport: str
    tools: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        return self.error is None


def _last_lines(text: str, n: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[-n:])


async def probe(config: Config, name: str, server: ServerConfig) -> Probe:
    """Connect to one server and list its tools within its `init_timeout`; what the server printed explains failures.

    `server` is as one account reaches it (`tenancy.account_server`): that is what connects.
    """
    started = time.monotonic()
    result = Probe(name, server.transport)
    # A stdio server's stderr goes to a scratch file so its own explanation can be quoted when it fails to start.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        try:
            async with asyncio.timeout(server.init_timeout):
                tools = await probe_tools(name, server, config.base_dir, log_file=stderr)
            result.tools = [tool.name for tool in tools]
        except TimeoutError:
            result.error = f"no tool list within init_timeout={server.init_timeout:g}s"
        except Exception as exc:  # any failure to start or speak MCP means "unreachable"; the text says which
            stderr.seek(0)
            said = _last_lines(stderr.read())
            reason = str(exc) if isinstance(exc, ServerDown) else describe(exc)
            result.error = reason + (f" (server said: {said})" if said else "")
    result.seconds = time.monotonic() - started
    return result


async def probe_all(config: Config, names: list[str] | None = None) -> dict[str, Probe]:
    """Probe servers concurrently; the slowest server bounds the wait."""
    wanted = names if names is not None else list(config.servers)
    # Each as one account that uses it connects (its process, its credentials): see `tenancy.checking_account`.
    probes = await asyncio.gather(
        *(probe(config, n, account_server(config, checking_account(config, n), n)) for n in wanted)
    )
    return {p.server: p for p in probes}


def summary_problems(config: Config, env: Mapping[str, str] = os.environ) -> list[Problem]:
    """What keeps configured mail (conversation summaries) from going out: unset or weak secrets.

    Without a `mail:` section summaries are simply off (the default configuration ships it commented out).
    """
    if config.mail is None or not config.mail.enabled:
        return []
    return mail_problems(config.mail, env, file=display_path(config.source))


def live_problems(config: Config, probes: dict[str, Probe], env: Mapping[str, str] = os.environ) -> list[Problem]:
    """Unreachable servers, prefixed names that collide or exceed 64 characters, globs that match no tool, mail."""
    file = display_path(config.source)
    problems: list[Problem] = summary_problems(config, env)
    owners: dict[str, str] = {}
    for name, found in probes.items():
        server = config.servers[name]
        if not found.reachable:
            where = f"`{server.command} {' '.join(server.args)}`" if server.command else server.url
            problems.append(
                Problem(
                    file,
                    f"servers.{name}",
                    f"unreachable: {found.error}",
                    f"check that {where} starts an MCP server, or raise init_timeout",
                )
            )
            continue
        for tool in found.tools:
            prefixed = f"{name}_{tool}"
            if len(prefixed) > NAME_LIMIT:
                problems.append(
                    Problem(
                        file,
                        f"servers.{name}",
                        f"tool name {prefixed!r} is {len(prefixed)} characters; the limit is {NAME_LIMIT}",
                        "give the server a shorter name",
                    )
                )
            if prefixed in owners:
                problems.append(
                    Problem(
                        file,
                        f"servers.{name}",
                        f"tool name {prefixed!r} collides with the same name from server {owners[prefixed]!r}",
                        "rename one of the two servers",
                    )
                )
            owners.setdefault(prefixed, name)
    for agent_name, agent in config.agents.items():
        for server, access in agent.servers.items():
            found = probes.get(server)
            if found is None or not found.reachable:
                continue
            for i, pattern in enumerate(access.tools):
                if not any(fnmatch.fnmatchcase(tool, pattern) for tool in found.tools):
                    hint = f"drop the `{server}_` prefix; " if pattern.startswith(f"{server}_") else ""
                    problems.append(
                        Problem(
                            file,
                            f"agents.{agent_name}.servers.{server}.tools[{i}]",
                            f"glob {pattern!r} matches no tool of {server!r}",
                            f"{hint}its tools are: {', '.join(sorted(found.tools))}",
                        )
                    )
    return problems
