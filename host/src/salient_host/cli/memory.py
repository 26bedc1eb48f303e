"""`salient sessions` and `salient usage`: what the host remembers, read straight from its database."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salient_host.cli.options import CONFIG_PROBLEM, DbOption, cost_text

if TYPE_CHECKING:
    from salient_host.memory import Store
    from salient_host.memory.models import Session

sessions_app = typer.Typer(help="Stored conversations: list, show, export.", no_args_is_help=True)
console = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ScopeOption = Annotated[
    str | None, typer.Option("--account", help="Only this account's sessions (an operator sees all without it).")
]


async def _with_store(db: str | None, work: Any) -> Any:
    # The store brings SQLAlchemy, Alembic and fastmcp (through core): imported when a command reads it, so that
    # every other `salient` command starts without them.
    from salient_host.memory import Store, database_url

    store = await Store.open(database_url(db))
    try:
        return await work(store)
    finally:
        await store.close()


# Below this many columns `sessions list` shows ids shortened (`sessions show` and `export` take the prefix).
WIDE = 120
SHORT_ID = 12


@sessions_app.command("list")
def sessions_list(
    account: ScopeOption = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent's sessions.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List sessions, most recently active first, with their message count and cost."""
    found = asyncio.run(_with_store(db, lambda store: store.list_sessions(account=account, agent=agent, limit=limit)))
    if as_json:
        rows = [{**_session_json(s.session), "messages": s.messages, "cost_usd": float(s.cost_usd)} for s in found]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    wide = console.width >= WIDE
    if wide:
        table = Table("session", "account", "agent", "title", "status", "messages", "cost", "updated (UTC)")
        for s in found:
            row = s.session
            table.add_row(
                row.id,
                row.account_id,
                row.agent,
                escape(row.title or ""),
                row.status,
                str(s.messages),
                cost_text(s.cost_usd, s.unpriced),
                f"{row.updated_at:%Y-%m-%d %H:%M}",
            )
        console.print(table)
        return
    # Narrow (80 columns): one line per session, the id shortened and the title cut to what is left.
    cells = [
        [
            s.session.id[:SHORT_ID],
            s.session.agent,
            str(s.messages),
            cost_text(s.cost_usd, s.unpriced),
            f"{s.session.updated_at:%m-%d %H:%M}",
        ]
        for s in found
    ]
    header = ["session", "agent", "msgs", "cost", "updated"]
    # Each of the six columns but the first is set off by three characters (a space each side of a blank rule).
    used = sum(max(len(row[i]) for row in [header, *cells]) for i in range(len(header))) + 3 * len(header)
    room = max(10, console.width - used - 1)
    table = Table(*header[:2], "title", *header[2:], box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in table.columns:
        column.no_wrap = True
    for s, row in zip(found, cells, strict=True):
        title = s.session.title or ""
        title = title if len(title) <= room else title[: room - 1] + "…"
        table.add_row(*row[:2], escape(title), *row[2:])
    console.print(table)
    if found:
        typer.echo("ids shortened: `salient sessions show ID` and `export ID` take them as they are")


def _session_json(row: Session) -> dict[str, Any]:
    return {
        "id": row.id,
        "account": row.account_id,
        "agent": row.agent,
        "title": row.title,
        "status": row.status,
        "origin": row.origin,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


async def _transcript(store: Store, session_id: str, account: str | None) -> dict[str, Any] | None:
    """A session as plain data: its messages (decisions included) with each turn's tool calls, and its spending."""
    session = await store.get_session(session_id, account=account)
    if session is None:
        return None
    calls: dict[str, list[dict[str, Any]]] = {}
    for call in await store.tool_calls(session.id):
        calls.setdefault(call.turn_id, []).append(
            {
                "call_id": call.call_id,
                "server": call.server,
                "tool": call.tool,
                "args": call.args,
                "outcome": call.outcome,
                "duration_ms": call.duration_ms,
                "error": call.error,
            }
        )
    messages = []
    for message in await store.messages(session.id):
        entry: dict[str, Any] = {
            "id": message.id,
            "role": message.role,
            "text": message.text,
            "created_at": message.created_at.isoformat(),
        }
        if message.role == "assistant":
            entry["tool_calls"] = calls.pop(message.turn_id, [])
            if message.error_code:
                entry["error"] = {"code": message.error_code, "message": message.error}
        messages.append(entry)
    spent = await store.spent(session_id=session.id)
    return {
        "session": _session_json(session),
        "messages": messages,
        "usage": {
            "requests": spent.requests,
            "tokens": spent.tokens,
            "cost_usd": float(spent.cost_usd),
            "unpriced_requests": spent.unpriced,
        },
    }


async def _transcript_by_prefix(store: Store, given: str, account: str | None) -> dict[str, Any] | list[Session]:
    """The transcript of the one session whose id is or starts with `given`; else the sessions that match."""
    exact = await _transcript(store, given, account)
    if exact is not None:
        return exact
    matches = await store.sessions_with_prefix(given, account=account) if given else []
    if len(matches) == 1:
        found = await _transcript(store, matches[0].id, account)
        assert found is not None
        return found
    return matches


def _load_transcript(session_id: str, account: str | None, db: str | None) -> dict[str, Any]:
    found = asyncio.run(_with_store(db, lambda store: _transcript_by_prefix(store, session_id.strip(), account)))
    if isinstance(found, dict):
        return found
    scope = f" for account {account!r}" if account else ""
    if not found:
        typer.echo(f"no session {session_id!r}{scope} (`salient sessions list` shows them)", err=True)
    else:
        typer.echo(f"{session_id!r} starts more than one session id{scope}; give more of it:", err=True)
        for row in found:
            typer.echo(f"  {row.id}  {row.updated_at:%Y-%m-%d %H:%M}  {row.agent}  {row.title or ''}", err=True)
    raise typer.Exit(CONFIG_PROBLEM)


def _markdown(data: dict[str, Any]) -> str:
    session = data["session"]
    usage = data["usage"]
    lines = [
        f"# {session['title'] or 'Conversation'}",
        "",
        f"- session: `{session['id']}`",
        f"- account: {session['account']}, agent: {session['agent']}",
        f"- started: {session['created_at']}",
        f"- model requests: {usage['requests']}, tokens: {usage['tokens']}, cost: "
        + cost_text(usage["cost_usd"], usage["unpriced_requests"]),
        "",
    ]
    for message in data["messages"]:
        who = {"user": "You", "assistant": session["agent"], "decision": "Decision"}.get(message["role"], "?")
        for call in message.get("tool_calls", []):
            duration = f", {call['duration_ms']:.0f} ms" if call["duration_ms"] is not None else ""
            lines.append(
                f"> `{call['server']}.{call['tool']}` {json.dumps(call['args'], ensure_ascii=False)}: "
                f"{call['outcome']}{duration}"
            )
        if message.get("tool_calls"):
            lines.append("")
        if message["text"]:
            lines += [f"**{who}** ({message['created_at']}):", "", message["text"], ""]
        if "error" in message:
            lines += [f"*The turn failed ({message['error']['code']}): {message['error']['message']}*", ""]
    return "\n".join(lines).rstrip() + "\n"


@sessions_app.command("show")
def sessions_show(
    session_id: Annotated[
        str, typer.Argument(help="The session's id (from `salient sessions list`), or enough of its start.")
    ],
    account: ScopeOption = None,
    db: DbOption = None,
) -> None:
    """Show a session as a transcript: messages, decisions, tool calls with their outcome, and its cost."""
    data = _load_transcript(session_id, account, db)
    session, usage = data["session"], data["usage"]
    console.print(
        f"[bold]{session['id']}[/bold]  account {session['account']}  agent {session['agent']}  "
        f"status {session['status']}  {usage['requests']} requests  {usage['tokens']} tokens  "
        + cost_text(usage["cost_usd"], usage["unpriced_requests"]),
        soft_wrap=True,
    )
    for message in data["messages"]:
        for call in message.get("tool_calls", []):
            console.print(
                f"[dim]  {call['server']}.{call['tool']}({escape(json.dumps(call['args'], ensure_ascii=False))}) "
                f"-> {call['outcome']}[/dim]",
                soft_wrap=True,
            )
        who = {"user": "you", "assistant": session["agent"], "decision": "decision"}.get(message["role"], "?")
        if message["text"]:
            console.print(f"[bold]{who}>[/bold] {escape(message['text'])}", soft_wrap=True, highlight=False)
        if "error" in message:
            console.print(f"[red]turn failed ({message['error']['code']}): {escape(message['error']['message'])}[/red]")


@sessions_app.command("export")
def sessions_export(
    session_id: Annotated[str, typer.Argument(help="The session's id, or enough of its start.")],
    format: Annotated[Literal["json", "markdown"], typer.Option("--format", "-f", help="json or markdown.")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    account: ScopeOption = None,
    db: DbOption = None,
) -> None:
    """Export a session with its messages, tool calls (arguments redacted) and usage, as JSON or Markdown."""
    data = _load_transcript(session_id, account, db)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n" if format == "json" else _markdown(data)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


SINCE = re.compile(r"^(\d+)([hdw])$")


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """`7d`, `24h`, `2w`, or an ISO date or datetime (UTC unless it says otherwise)."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    if match := SINCE.match(value.strip()):
        amount, unit = int(match.group(1)), match.group(2)
        return now - {"h": timedelta(hours=amount), "d": timedelta(days=amount), "w": timedelta(weeks=amount)}[unit]
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r}: write 7d, 24h, 2w, or a date like 2026-11-01") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def usage_command(
    account: Annotated[str | None, typer.Option("--account", help="Only this account.")] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From when: 7d, 24h, 2w, or a date such as 2026-11-01 (UTC).")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Model requests, tokens and cost per account, agent and model, from the host's memory.

    Requests whose model has no known price are counted as unpriced (add the model under `prices:` in the
    configuration to price future ones).
    """
    start = parse_since(since)
    rows = asyncio.run(_with_store(db, lambda store: store.usage(account=account, agent=agent, since=start)))
    if as_json:
        out = [
            {
                "account": r.account,
                "agent": r.agent,
                "model": r.model,
                "requests": r.requests,
                "errors": r.errors,
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
                "cost_usd": float(r.cost_usd),
                "unpriced_requests": r.unpriced,
            }
            for r in rows
        ]
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    table = Table("account", "agent", "model", "requests", "errors", "input tokens", "output tokens", "cost")
    for r in rows:
        table.add_row(
            r.account,
            r.agent,
            r.model,
            str(r.requests),
            str(r.errors),
            str(r.input_tokens),
            str(r.output_tokens),
            cost_text(r.cost_usd, r.unpriced),
        )
    total = sum((r.cost_usd for r in rows), Decimal(0))
    table.add_row(
        "total",
        "",
        "",
        str(sum(r.requests for r in rows)),
        str(sum(r.errors for r in rows)),
        str(sum(r.input_tokens for r in rows)),
        str(sum(r.output_tokens for r in rows)),
        cost_text(total, sum(r.unpriced for r in rows)),
    )
    console.print(table)
    if since:
        typer.echo(f"since {start:%Y-%m-%d %H:%M} UTC")
