"""`salient config check`, `salient servers status` and `salient ask`: the agent host's commands."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from pydantic_ai.exceptions import AgentRunError
from rich.console import Console
from rich.table import Table

from salient_host.checks import Probe, live_problems, probe_all
from salient_host.config import Config
from salient_host.config_load import load_config
from salient_host.models import ModelUnavailable, model_problems, resolve
from salient_host.problems import ConfigError
from salient_host.runtime import ServerUnavailable, UnknownAgent, ask

# Exit codes scripts can rely on.
OK, RUN_FAILED, CONFIG_PROBLEM, AWAITING_APPROVAL = 0, 1, 2, 3

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Configuration file (default: $SALIENT_CONFIG or config/salient.yaml)."),
]
console = Console()
config_app = typer.Typer(help="Check the host configuration.", no_args_is_help=True)


def _load(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None


def _status_table(probes: dict[str, Probe]) -> Table:
    table = Table("server", "transport", "reachable", "tools", "seconds")
    for p in probes.values():
        state = "[green]yes[/green]" if p.reachable else "[red]no[/red]"
        table.add_row(p.server, p.transport, state, str(len(p.tools)) if p.reachable else "-", f"{p.seconds:.1f}")
    return table


@config_app.command("check")
def config_check(config_path: ConfigOption = None) -> None:
    """Report every problem with file, key and fix: keys, environment, servers, tool names, allow-lists, models.

    Starts each server and lists its tools. Exit code 0 when clean, 2 otherwise.
    """
    config = _load(config_path)
    probes = asyncio.run(probe_all(config))
    console.print(_status_table(probes))
    problems = live_problems(config, probes)
    bad_models, unconfigured = model_problems(config)
    problems += bad_models
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
    config = _load(config_path)
    probes = asyncio.run(probe_all(config))
    console.print(_status_table(probes))
    for p in probes.values():
        if not p.reachable:
            typer.echo(f"{p.server}: {p.error}")
    raise typer.Exit(OK if all(p.reachable for p in probes.values()) else RUN_FAILED)


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, as a customer would ask it.")],
    agent: Annotated[str, typer.Option("--agent", "-a", help="Configured agent to ask.")],
    model: Annotated[str | None, typer.Option(help="Model for this question (overrides the configuration).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    config_path: ConfigOption = None,
) -> None:
    """Ask an agent one question; print the tool calls it made and its answer.

    Exit codes: 0 answered, 1 the run failed, 2 configuration or model problem, 3 a destructive tool call
    is awaiting approval (it was not executed).
    """
    config = _load(config_path)
    try:
        chosen, model_name = resolve(config, agent, model)
        answer = asyncio.run(ask(config, agent, question, chosen, model_name))
    except (UnknownAgent, ModelUnavailable) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None
    except (AgentRunError, ServerUnavailable) as exc:
        typer.echo(f"the run failed: {exc}", err=True)
        raise typer.Exit(RUN_FAILED) from None
    code = AWAITING_APPROVAL if answer.awaiting_approval else OK
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False, default=str))
        raise typer.Exit(code)
    typer.echo(f"tool calls ({len(answer.tool_calls)}):")
    for call in answer.tool_calls:
        typer.echo(f"  {call.summary()}")
    if answer.awaiting_approval:
        typer.echo("awaiting approval (not executed):")
        for call in answer.awaiting_approval:
            typer.echo(f"  {call.tool}({json.dumps(call.args, ensure_ascii=False, default=str)})")
    typer.echo("")
    typer.echo(answer.output or "(no answer yet: approve or reject the calls above)")
    raise typer.Exit(code)


def register(app: typer.Typer, servers_app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.command("ask")(ask_command)
    servers_app.command("status")(servers_status)
