"""`salient config check`, `salient servers status` and `salient ask`: the agent host's commands."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from salient_host.cli_chat import chat_command
from salient_host.cli_memory import sessions_app, usage_command
from salient_host.cli_options import (
    AWAITING_APPROVAL,
    CONFIG_PROBLEM,
    OK,
    RUN_FAILED,
    AccountOption,
    ConfigOption,
    DbOption,
    ModelOption,
    load,
)
from salient_host.config import Config
from salient_host.events import ApprovalRequested, Notice, TurnEvent, TurnFailed, TurnFinished

if TYPE_CHECKING:
    from salient_host.checks import Probe

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

    Starts each server and lists its tools. Exit code 0 when clean, 2 otherwise.
    """
    from salient_host.checks import live_problems, probe_all
    from salient_host.models import model_problems

    config = load(config_path)
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
    from salient_host.checks import probe_all

    config = load(config_path)
    probes = asyncio.run(probe_all(config))
    console.print(_status_table(probes))
    for p in probes.values():
        if not p.reachable:
            typer.echo(f"{p.server}: {p.error}")
    raise typer.Exit(OK if all(p.reachable for p in probes.values()) else RUN_FAILED)


async def _ask(
    config: Config, agent: str, question: str, model: str | None, account: str, db: str | None
) -> tuple[dict[str, Any], TurnEvent]:
    """One turn in a new session; the report `--json` prints, and the turn's last event."""
    from salient_host.conversation import ConversationEngine
    from salient_host.memory import database_url
    from salient_host.memory.store import load_messages
    from salient_host.models import describe, model_spec
    from salient_host.redact import redact
    from salient_host.runtime import executed_calls

    async with await ConversationEngine.open(config, database_url(db), model=model) as engine:
        session = await engine.start(account=account, agent=agent)
        held: list[ApprovalRequested] = []
        notices: list[str] = []
        last: TurnEvent | None = None
        async for event in engine.send(session.id, question, account=account, client_message_id=uuid.uuid4().hex):
            if isinstance(event, ApprovalRequested):
                held.append(event)
            elif isinstance(event, Notice):
                notices.append(event.text)
            last = event
        assert last is not None, "a turn always ends with TurnFinished or TurnFailed"
        messages = [m for m in await engine.store.messages(session.id) if m.turn_id == last.turn_id]
        history = [part for m in messages for part in load_messages(m.model_messages)]
        requests = [r for r in await engine.store.requests(session.id) if r.turn_id == last.turn_id]
    spec = model if model else model_spec(config, agent)
    calls = executed_calls(history, {h.call_id for h in held})
    report = {
        "session_id": session.id,
        "agent": agent,
        "model": describe(spec) if spec else None,
        "output": last.output if isinstance(last, TurnFinished) else None,
        "tool_calls": [{**vars(c), "args": redact(c.args)} for c in calls],
        "awaiting_approval": [
            {"call_id": h.call_id, "tool": f"{h.server}_{h.tool}" if h.server else h.tool, "args": h.args} for h in held
        ],
        "usage": {
            "requests": len(requests),
            "input_tokens": sum(r.input_tokens for r in requests),
            "output_tokens": sum(r.output_tokens for r in requests),
            "cost_usd": last.cost_usd if isinstance(last, TurnFinished) else None,
        },
        "notices": notices,
    }
    return report, last


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, as a customer would ask it.")],
    agent: Annotated[str, typer.Option("--agent", "-a", help="Configured agent to ask.")],
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    account: AccountOption = "demo",
    db: DbOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Ask an agent one question in a new session; print the tool calls it made and its answer.

    The conversation is stored like any other (`salient sessions show ID`), with its cost (`salient usage`).
    `--json` prints one object: session_id, output, tool_calls, awaiting_approval, usage (with cost_usd), notices.
    Notices (a server withdrawn, a budget nearly spent) also go to stderr.

    Exit codes: 0 answered, 1 the run failed (model error, budget or limit reached),
    2 configuration or model problem, 3 a destructive tool call is awaiting approval (it was not executed;
    continue with `salient chat --session ID`).
    """
    from salient_host.conversation import ConversationError
    from salient_host.runtime import UnknownAgent

    config = load(config_path)
    try:
        report, last = asyncio.run(_ask(config, agent, question, model, account, db))
    except (UnknownAgent, ConversationError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None
    for notice in report["notices"]:
        typer.echo(f"notice: {notice}", err=True)
    if isinstance(last, TurnFailed):
        typer.echo(last.message if last.code == "no_model" else f"the run failed: {last.message}", err=True)
        raise typer.Exit(CONFIG_PROBLEM if last.code == "no_model" else RUN_FAILED)
    code = AWAITING_APPROVAL if report["awaiting_approval"] else OK
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
        raise typer.Exit(code)
    typer.echo(f"tool calls ({len(report['tool_calls'])}):")
    for call in report["tool_calls"]:
        args = json.dumps(call["args"], ensure_ascii=False, default=str)
        typer.echo(f"  {call['tool']}({args}) -> " + (f"error: {call['error']}" if call["error"] else "ok"))
    if report["awaiting_approval"]:
        typer.echo(f"awaiting approval (not executed; continue with salient chat --session {report['session_id']}):")
        for call in report["awaiting_approval"]:
            typer.echo(f"  {call['tool']}({json.dumps(call['args'], ensure_ascii=False, default=str)})")
    typer.echo("")
    typer.echo(report["output"] or "(no answer yet: approve or reject the calls above)")
    raise typer.Exit(code)


def register(app: typer.Typer, servers_app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(sessions_app, name="sessions")
    app.command("ask")(ask_command)
    app.command("chat")(chat_command)
    app.command("usage")(usage_command)
    servers_app.command("status")(servers_status)
