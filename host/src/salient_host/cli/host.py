"""`salient config check` and `salient servers status`, and the registration of the agent host's commands."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from salient_host.cli.ask import ask_command
from salient_host.cli.chat import chat_command
from salient_host.cli.memory import sessions_app, usage_command
from salient_host.cli.options import (
    CONFIG_PROBLEM,
    OK,
    RUN_FAILED,
    ConfigOption,
    load,
)

if TYPE_CHECKING:
    from salient_host.problems import Problem
    from salient_host.suite.checks import Probe

# pydantic-ai, fastmcp and the model SDKs take seconds to import: commands import them when they run, so
# `salient --help`, `sessions` and `usage` start quickly.
console = Console()
config_app = typer.Typer(help="Check the host configuration.", no_args_is_help=True)


def _status_table(probes: dict[str, Probe]) -> Table:
    table = Table("server", "transport", "reachable", "tools", "seconds")
    for p in probes.values():
        state = "[green]yes[/green]" if p.reachable else "[red]no[/red]"
        table.add_row(p.server, p.transport, state, str(len(p.tools)) if p.reachable else "-", f"{p.seconds:.1f}")
    return table


@config_app.command("check")
def config_check(config_path: ConfigOption = None) -> None:
    """Report every problem with file, key and fix: keys, environment, servers, tool names, allow-lists, models.

    Starts each server and lists its tools, and asks each model endpoint for its model list (reachable, key
    accepted). Exit code 0 when clean, 2 otherwise.
    """
    from salient_host.llm.choice import model_problems
    from salient_host.llm.probe import model_endpoint_problems
    from salient_host.suite.checks import live_problems, probe_all

    async def probe_everything() -> tuple[dict[str, Probe], list[Problem]]:
        servers, endpoints = await asyncio.gather(probe_all(config), model_endpoint_problems(config))
        return servers, endpoints

    config = load(config_path)
    probes, endpoint_problems = asyncio.run(probe_everything())
    console.print(_status_table(probes))
    problems = live_problems(config, probes)
    bad_models, unconfigured = model_problems(config)
    problems += bad_models + endpoint_problems
    for problem in problems:
        typer.echo(str(problem))
    if unconfigured:
        typer.echo(f"note: no model configured for {', '.join(unconfigured)}; `salient ask` says how to set one.")
    counts = [(len(config.servers), "server"), (len(config.agents), "agent"), (len(config.accounts), "account")]
    counts.append((len(problems), "problem"))
    typer.echo(f"{config.source}: " + ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts))
    raise typer.Exit(CONFIG_PROBLEM if problems else OK)


def servers_status(config_path: ConfigOption = None) -> None:
    """Each configured server: reachable or not, and how many tools it offers. Exit code 1 if any is down."""
    from salient_host.suite.checks import probe_all

    config = load(config_path)
    probes = asyncio.run(probe_all(config))
    console.print(_status_table(probes))
    for p in probes.values():
        if not p.reachable:
            typer.echo(f"{p.server}: {p.error}")
    raise typer.Exit(OK if all(p.reachable for p in probes.values()) else RUN_FAILED)


def register(app: typer.Typer, servers_app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(sessions_app, name="sessions")
    app.command("ask")(ask_command)
    app.command("chat")(chat_command)
    app.command("usage")(usage_command)
    servers_app.command("status")(servers_status)
