"""`salient chat`: talk to an agent in the terminal, with the answer streamed and tool calls shown as they run."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from salient_host.cli.options import (
    CONFIG_PROBLEM,
    INTERRUPTED,
    AccountOption,
    ConfigOption,
    DbOption,
    ModelOption,
    cost_text,
    load,
)
from salient_host.engine.events import (
    ApprovalRequested,
    Notice,
    SessionInfo,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from salient_host.engine.message_rules import MessageRefused, checked_message

if TYPE_CHECKING:
    from salient_host.cli.progress import ServerProgress
    from salient_host.engine.conversation import ConversationEngine

QUIT = {"/quit", "/exit", "/q"}
HELP = """\
/help       this list
/new        a new conversation with the same agent (this one stays in `salient sessions list`)
/quit       end the chat (also /exit, /q, or Ctrl-D); `salient chat --session ID` comes back to it
Ctrl-C      during an answer: stop that answer and stay in the chat; at the prompt: leave (exit code 130)"""


def _args(args: dict[str, object]) -> str:
    return json.dumps(args, ensure_ascii=False, default=str)


class Terminal:
    """Renders a turn's events: text as it streams, a line per tool call, approvals to decide, the turn's cost."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.mid_line = False

    def _line(self, text: str) -> None:
        if self.mid_line:
            self.console.file.write("\n")
            self.mid_line = False
        self.console.print(text, soft_wrap=True, highlight=False)

    async def show(self, events: AsyncIterator[TurnEvent]) -> list[ApprovalRequested]:
        """Print the turn; the calls it left waiting for approval."""
        held: list[ApprovalRequested] = []
        async for event in events:
            if isinstance(event, TextDelta):
                self.console.file.write(event.text)
                self.console.file.flush()
                self.mid_line = not event.text.endswith("\n")
            elif isinstance(event, ToolStarted):
                self._line(f"[dim]  → {event.server}.{event.tool}({escape(_args(event.args))})[/dim]")
            elif isinstance(event, ToolFinished):
                outcome = "[green]ok[/green]" if event.ok else f"[red]error: {escape(event.error or '')}[/red]"
                self._line(f"[dim]  ← {event.server}.{event.tool} {event.duration_ms:.0f} ms[/dim] {outcome}")
            elif isinstance(event, ApprovalRequested):
                held.append(event)
            elif isinstance(event, Notice):
                colour = "yellow" if event.level == "warning" else "dim"
                self._line(f"[{colour}]{escape(event.text)}[/{colour}]")
            elif isinstance(event, TurnFinished):
                cost = cost_text(event.cost_usd)
                self._line(f"[dim]({event.input_tokens} in, {event.output_tokens} out tokens, {cost})[/dim]")
            elif isinstance(event, TurnFailed):
                self._line(f"[red]{escape(event.message)}[/red]")
        return held

    def ask_approval(self, call: ApprovalRequested) -> bool:
        self._line(f"[yellow]The agent wants to run {call.server}.{call.tool}({escape(_args(call.args))}).[/yellow]")
        if call.reason:
            self._line(f"[dim]{escape(call.reason)}.[/dim]")
        try:
            answer = self.console.input(escape("Run it? [y/N] "))
        except EOFError:
            answer = ""
        return answer.strip().lower() in {"y", "yes"}


async def _decide_all(
    engine: ConversationEngine, terminal: Terminal, session: str, account: str, held: list[ApprovalRequested]
) -> None:
    """Ask about every held call and continue the turn, as long as the agent keeps asking."""
    while held:
        decisions = {call.call_id: terminal.ask_approval(call) for call in held}
        events = engine.decide(session, decisions, account=account, client_message_id=uuid.uuid4().hex)
        held = await terminal.show(events)


async def _open_session(
    engine: ConversationEngine,
    console: Console,
    agent: str,
    session_id: str | None,
    account: str,
    progress: ServerProgress,
) -> SessionInfo:
    """A new session, or the one given with its last messages shown; its servers started, with progress."""
    if session_id is None:
        session = await engine.start(account=account, agent=agent)
    else:
        session = await engine.get(session_id, account=account)
        for message in (await engine.history(session.id, account=account))[-6:]:
            who = "you" if message.role == "user" else session.agent
            console.print(f"[bold]{who}>[/bold] {escape(message.text)}", soft_wrap=True, highlight=False)
    await engine.connect(session.id, account=account, on_change=progress)
    console.print(
        f"[dim]Chatting with {session.agent} in session {session.id}. /help lists the commands; /quit (or Ctrl-D) "
        f"ends; `salient chat --session {session.id}` comes back.[/dim]",
        soft_wrap=True,
    )
    return session


async def _show_stoppable(
    engine: ConversationEngine, terminal: Terminal, session_id: str, account: str, events: AsyncIterator[TurnEvent]
) -> list[ApprovalRequested]:
    """Show a turn; Ctrl-C meanwhile stops the turn (the chat goes on) instead of ending the program."""
    loop = asyncio.get_running_loop()
    stopping: set[asyncio.Task[bool]] = set()

    def stop() -> None:
        task = asyncio.ensure_future(engine.stop(session_id, account=account))
        stopping.add(task)
        task.add_done_callback(stopping.discard)

    loop.add_signal_handler(signal.SIGINT, stop)
    try:
        return await terminal.show(events)
    finally:
        # Back to Python's own handler: Ctrl-C at the prompt raises KeyboardInterrupt and ends the chat.
        loop.remove_signal_handler(signal.SIGINT)


async def _chat(
    engine: ConversationEngine,
    console: Console,
    agent: str,
    session_id: str | None,
    account: str,
    progress: ServerProgress,
) -> None:
    terminal = Terminal(console)
    session = await _open_session(engine, console, agent, session_id, account, progress)
    # A session left waiting for a decision (by `salient ask`, or a chat that ended) is decided first.
    waiting = [
        ApprovalRequested(turn_id="", seq=-1, call_id=c.call_id, server=c.server, tool=c.tool, args=c.args, reason="")
        for c in await engine.pending_approvals(session.id, account=account)
    ]
    await _decide_all(engine, terminal, session.id, account, waiting)
    while True:
        try:
            text = console.input("[bold]you>[/bold] ")
        except EOFError:
            break
        command = text.strip()
        if command in QUIT:
            break
        if command == "/help":
            console.print(escape(HELP), highlight=False)
            continue
        if command == "/new":
            session = await _open_session(engine, console, session.agent, None, account, progress)
            continue
        if not command:
            continue
        try:
            text = checked_message(text)
        except MessageRefused as exc:
            console.print(f"[yellow]{escape(str(exc))}[/yellow]", highlight=False)
            continue
        console.print(f"[bold]{session.agent}>[/bold] ", end="")
        terminal.mid_line = True  # tool calls go on lines of their own below the name
        events = engine.send(session.id, text, account=account, client_message_id=uuid.uuid4().hex)
        held = await _show_stoppable(engine, terminal, session.id, account, events)
        await _decide_all(engine, terminal, session.id, account, held)


def chat_command(
    agent: Annotated[str, typer.Option("--agent", "-a", help="Configured agent to talk to.")],
    session: Annotated[
        str | None, typer.Option("--session", "-s", help="Continue this session (see `salient sessions list`).")
    ] = None,
    model: ModelOption = None,
    account: AccountOption = "demo",
    db: DbOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Talk to an agent: answers stream as they are written, tool calls show as they run.

    Destructive tools (under `approval: ask`) are run only after you answer y. Every message is stored;
    `--session ID` continues a conversation where it stopped, with the agent remembering it.
    """
    # Imported here: they take seconds, and other commands do not need them.
    from salient_host.cli.progress import ServerProgress, agent_servers
    from salient_host.engine.agents import UnknownAgent
    from salient_host.engine.conversation import ConversationEngine, ConversationError
    from salient_host.memory import database_url

    config = load(config_path)
    if agent not in config.agents:
        typer.echo(str(UnknownAgent(config, agent)), err=True)
        raise typer.Exit(CONFIG_PROBLEM)
    console = Console()
    progress = ServerProgress()
    config = agent_servers(config, agent, progress, account=account)

    async def main() -> None:
        async with await ConversationEngine.open(config, database_url(db), model=model) as engine:
            await _chat(engine, console, agent, session, account, progress)
            if len(engine.connections):  # stdio servers take a moment to stop; say what the wait is for
                progress.console.print("[dim]stopping the servers...[/dim]")

    try:
        asyncio.run(main())
    except (UnknownAgent, ConversationError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None
    except KeyboardInterrupt:
        console.print()
        raise typer.Exit(INTERRUPTED) from None
