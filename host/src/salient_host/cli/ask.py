"""`salient ask`: one question in a new session, for people and for scripts.

Everything that can be refused is refused before anything starts (the message, the configuration, the agent, the
model), so a mistake costs a second, not the minute servers take to start. Then only the agent's servers start
(or a running `salient up`'s are used), with progress on stderr. With `--json` stdout carries exactly one object,
an answer or `{"error": {"code", "message"}}`, whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from salient_host.cli.options import (
    AWAITING_APPROVAL,
    CONFIG_PROBLEM,
    OK,
    RUN_FAILED,
    AccountOption,
    ConfigOption,
    DbOption,
    ModelOption,
)
from salient_host.config.load import load_config
from salient_host.config.problems import ConfigError
from salient_host.config.schema import Config
from salient_host.engine.events import ApprovalRequested, Notice, ToolStarted, TurnEvent, TurnFailed, TurnFinished
from salient_host.engine.message_rules import MessageRefused, checked_message

if TYPE_CHECKING:
    from salient_host.cli.progress import ServerProgress


class Reply:
    """Where `ask` speaks: stderr for people; with `--json`, also one object on stdout."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def refuse(self, exit_code: int, code: str, message: str, **extra: Any) -> NoReturn:
        typer.echo(message, err=True)
        if self.as_json:
            typer.echo(json.dumps({**extra, "error": {"code": code, "message": message}}, ensure_ascii=False))
        raise typer.Exit(exit_code)


def tool_label(server: str, tool: str) -> str:
    """A tool as every command shows it: `catalog.search_products`."""
    return f"{server}.{tool}" if server else tool


async def _ask(
    config: Config,
    agent: str,
    question: str,
    model: str | None,
    account: str,
    db: str | None,
    progress: ServerProgress,
) -> tuple[dict[str, Any], TurnEvent]:
    """One turn in a new session; the report `--json` prints, and the turn's last event."""
    from salient_host.engine.agents import executed_calls
    from salient_host.engine.conversation import ConversationEngine
    from salient_host.engine.redact import redact
    from salient_host.llm.choice import describe, model_spec
    from salient_host.memory import database_url
    from salient_host.memory.store import load_messages

    async with await ConversationEngine.open(config, database_url(db), model=model) as engine:
        session = await engine.start(account=account, agent=agent)
        await engine.connect(session.id, account=account, on_change=progress)
        held: list[ApprovalRequested] = []
        started: dict[str, str] = {}  # each call that ran, by id: its server and tool, as recorded
        notices: list[str] = []
        last: TurnEvent | None = None
        async for event in engine.send(session.id, question, account=account, client_message_id=uuid.uuid4().hex):
            if isinstance(event, ToolStarted):
                started[event.call_id] = tool_label(event.server, event.tool)
            elif isinstance(event, ApprovalRequested):
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
        "tool_calls": [
            {**vars(c), "tool": started.get(call_id, c.tool), "args": redact(c.args)} for call_id, c in calls.items()
        ],
        "awaiting_approval": [
            {"call_id": h.call_id, "tool": tool_label(h.server, h.tool), "args": h.args} for h in held
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
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (the answer, or an `error`) instead of text.")
    ] = False,
    account: AccountOption = "demo",
    db: DbOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Ask an agent one question in a new session; print the tool calls it made and its answer.

    The conversation is stored like any other (`salient sessions show ID`), with its cost (`salient usage`).
    `--json` prints one object: session_id, output, tool_calls, awaiting_approval, usage (with cost_usd), notices;
    or, when the question could not be answered, `error` with its code and message.
    Progress and notices (a server withdrawn, a budget nearly spent) go to stderr.

    Exit codes: 0 answered, 1 the run failed (model error, budget or limit reached),
    2 configuration or model problem, 3 a destructive tool call is awaiting approval (it was not executed;
    continue with `salient chat --session ID`).
    """
    reply = Reply(as_json)
    try:
        question = checked_message(question)
    except MessageRefused as exc:
        reply.refuse(CONFIG_PROBLEM, exc.code, str(exc))
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        reply.refuse(CONFIG_PROBLEM, "config", "\n".join(str(p) for p in exc.problems))
    # Imported here: they take seconds, and other commands do not need them.
    from salient_host.cli.progress import ServerProgress, agent_servers
    from salient_host.engine.agents import UnknownAgent
    from salient_host.engine.conversation import ConversationError
    from salient_host.llm.choice import ModelUnavailable, resolve

    if agent not in config.agents:
        reply.refuse(CONFIG_PROBLEM, "unknown_agent", str(UnknownAgent(config, agent)))
    try:
        resolve(config, agent, model)
    except ModelUnavailable as exc:
        reply.refuse(CONFIG_PROBLEM, "no_model", str(exc))
    progress = ServerProgress()
    try:
        report, last = asyncio.run(
            _ask(agent_servers(config, agent, progress, account=account), agent, question, model, account, db, progress)
        )
    except ConversationError as exc:
        reply.refuse(CONFIG_PROBLEM, "refused", str(exc))
    for notice in report["notices"]:
        typer.echo(f"notice: {notice}", err=True)
    if isinstance(last, TurnFailed):
        message = last.message if last.code in ("no_model", "model_unreachable") else f"the run failed: {last.message}"
        reply.refuse(CONFIG_PROBLEM if last.code == "no_model" else RUN_FAILED, last.code, message, **report)
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
