"""The host half of `salient up`: the configured agents over the suite's HTTP servers, served as the web chat.

`salient up` (cli.py) starts the servers as processes; `run_host` then runs in the same process as the command:
the conversation engine over its database, the web app (chat, widget, HTTP API, admin view) on loopback, until
SIGINT or SIGTERM. Each configured server that is one of the suite's is reached over the suite's HTTP endpoint, so a
chat turn opens a cheap HTTP session instead of starting a stdio process.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rich.console import Console
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from salient_host.config.schema import Config, ServerConfig
from salient_host.config.tenancy import DEMO_ACCOUNT, reached_servers
from salient_host.mcp.discovery import InstalledServer

if TYPE_CHECKING:
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Receive, Scope, Send

    from salient_host.engine.conversation import ConversationEngine


def suite_config(config: Config, servers: Sequence[InstalledServer]) -> tuple[Config, list[str]]:
    """`config` with each stdio server whose command is an installed `salient-<name>` reached over HTTP instead.

    Returns the new configuration and the names of the servers replaced. Their timeouts stay; their `args` and `env`
    (a `--db`, say) do not apply to the suite's process, which runs on the suite's defaults. The suite's servers act
    for the demo account, so a server that any other account reaches stays as configured: one process per account.
    """
    by_command = {f"salient-{s.name}": s for s in servers}
    others = {
        name for account in config.accounts if account != DEMO_ACCOUNT for name in reached_servers(config, account)
    }
    replaced: dict[str, ServerConfig] = {}
    for name, server in config.servers.items():
        suite = by_command.get(Path(server.command).name) if server.command else None
        if suite is not None and name not in others:
            replaced[name] = ServerConfig(url=suite.url, timeout=server.timeout, init_timeout=server.init_timeout)
    if not replaced:
        return config, []
    # model_copy keeps the private attributes (the file the configuration came from).
    return config.model_copy(update={"servers": {**config.servers, **replaced}}), list(replaced)


def _mail_routes(engine: ConversationEngine) -> Sequence[BaseRoute]:
    """The unsubscribe routes of the engine's mailer (None without a `mail:` section or with its secret unset)."""
    if engine.summarizer is None:
        return []
    from salient_host.mail import unsubscribe_routes

    mailer = engine.summarizer.mailer
    url = mailer.settings.unsubscribe_url
    return unsubscribe_routes(mailer, path=(urlsplit(url).path if url else "") or "/unsubscribe")


async def run_host(
    config: Config,
    *,
    db: str | None,
    web: bool,
    web_port: int,
    processes: Sequence[subprocess.Popen[bytes]],
    console: Console,
    announce: Callable[[str | None], None],
    servers_started: asyncio.Event | None = None,
    bind: str = "127.0.0.1",
) -> None:
    """The engine and (unless `web` is false) the web app on `bind:web_port`, until a signal stops them.

    `announce` gets the chat's base URL (None without the web app) once it answers, to print what to open.
    `servers_started`: set once the suite's servers have all started (or failed to). The chat is served before
    that; requests that may start a turn (anything but GET, HEAD and OPTIONS) wait for it, so a first message sent
    while the servers start is answered with their tools rather than with them reported down.
    """
    from salient_host.engine.conversation import ConversationEngine
    from salient_host.memory import database_url

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(_watch_servers(processes, console, stop_when_all_exit=not web, stop=stop))
    if not web:
        try:
            announce(None)
            await stop.wait()
        finally:
            watcher.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        return
    engine = await ConversationEngine.open(config, database_url(db))
    mail_worker: asyncio.Task[None] | None = None
    try:
        from salient_host.summaries.sweep import background
        from salient_host.web import WebSettings, accounts_from_config, create_web_app
        from salient_host.web.admin_view import AdminView
        from salient_host.web.serve import web_server
        from salient_host.web.status import BoardStatus

        routes = [*_mail_routes(engine), Route("/healthz", _healthz, methods=["GET"])]
        if engine.summarizer is not None:
            # Delivers queued mail and sends the summaries of conversations gone quiet (agents' `summaries:`).
            mail_worker = asyncio.create_task(background(engine.summarizer), name="mail and summaries")
        else:
            from salient_host.suite.checks import summary_problems

            for problem in summary_problems(config):
                console.print(f"[yellow]e-mail summaries are off:[/yellow] {problem}")
        accounts = accounts_from_config(config) or {"demo": list(config.agents)}
        settings = WebSettings(accounts=accounts)
        if settings.default_account not in accounts:
            settings = settings.model_copy(update={"default_account": next(iter(accounts))})
        if not settings.offers(settings.default_account, settings.default_agent) and accounts[settings.default_account]:
            settings = settings.model_copy(update={"default_agent": accounts[settings.default_account][0]})
        app = create_web_app(
            engine,
            settings=settings,
            admin=AdminView(engine.store),
            status=BoardStatus(engine.status_board, config),
            routes=routes,
        )
        if servers_started is not None:
            app.add_middleware(WaitForServers, started=servers_started)
        server = web_server(app, settings, host=bind, port=web_port)
        serving = asyncio.create_task(server.serve(), name="web chat")
        while not server.started and not serving.done():
            await asyncio.wait({serving}, timeout=0.05)
        if serving.done():  # the port is taken, say: uvicorn has logged why
            await serving
            raise SystemExit(f"the web chat could not start on {bind}:{web_port}")
        announce(f"http://{bind}:{web_port}")
        stopped = asyncio.create_task(stop.wait())
        # uvicorn catches SIGINT/SIGTERM while it serves, stops, then raises the signal again for `stop`.
        await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        server.should_exit = True
        await serving
        stopped.cancel()
    finally:
        watcher.cancel()
        if mail_worker is not None:
            mail_worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await mail_worker
        await engine.aclose()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _healthz(_request: Request) -> JSONResponse:
    """For a container's probes: the host serves (its database was opened before the app started)."""
    return JSONResponse({"status": "ok", "server": "salient-host"})


async def _watch_servers(
    processes: Sequence[subprocess.Popen[bytes]], console: Console, *, stop_when_all_exit: bool, stop: asyncio.Event
) -> None:
    """Report each server process that exits; one failing (the library without its model) leaves the rest up."""
    reported: set[int] = set()
    while True:
        for process in processes:
            if process.poll() is not None and process.pid not in reported:
                reported.add(process.pid)
                console.print(f"[red]{_process_name(process)} exited with code {process.returncode}[/red]")
        if stop_when_all_exit and processes and len(reported) == len(processes):
            console.print("[red]Every server has exited.[/red]")
            stop.set()
            return
        await asyncio.sleep(0.5)


def _process_name(process: subprocess.Popen[bytes]) -> str:
    args = [str(a) for a in process.args] if isinstance(process.args, list) else [str(process.args)]
    if args[1:3] == ["-m", "salient_core.suite"]:
        return "The suite's servers"
    return Path(args[0]).name


class WaitForServers:
    """ASGI middleware: requests that may start a turn wait until the suite's servers have started (see run_host)."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, app: ASGIApp, started: asyncio.Event) -> None:
        self.app = app
        self.started = started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.started.is_set() and scope["type"] == "http" and scope["method"] not in self.SAFE:
            await self.started.wait()
        await self.app(scope, receive, send)
