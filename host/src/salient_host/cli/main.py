"""`salient`: start the suite, print how to connect to it, and (cli_host.py) run the configured agents."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from salient_host.cli.data import register as register_data
from salient_host.cli.host import register
from salient_host.cli.install import register as register_install
from salient_host.cli.options import ConfigOption, DbOption, load
from salient_host.config.schema import Config
from salient_host.mcp.discovery import (
    BASE_PORT,
    InstalledServer,
    SuiteProcess,
    claude_desktop_config,
    installed_servers,
    taken_ports,
)
from salient_host.suite.state import SuiteState, clear_state, read_state, write_state

app = typer.Typer(help="Salient: MCP servers and agents for sales and service.", no_args_is_help=True)
servers_app = typer.Typer(help="The Salient servers installed here.", no_args_is_help=True)
app.add_typer(servers_app, name="servers")
register(app, servers_app)
register_install(app)
register_data(app)
console = Console()


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import version

        typer.echo(f"salient {version('salient-host')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Salient: MCP servers and agents for sales and service."""


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Load the demo company into empty databases.")] = True,
    log_level: Annotated[str, typer.Option(help="Servers' log level: DEBUG, INFO, WARNING or ERROR.")] = "WARNING",
    web: Annotated[bool, typer.Option(help="Run the agents' web chat too; --no-web starts the servers only.")] = True,
    port_base: Annotated[
        int, typer.Option(help="The web chat's port; the servers listen on the next five (8101-8105 by default).")
    ] = BASE_PORT,
    web_port: Annotated[int | None, typer.Option(help="The web chat's port (default: --port-base).")] = None,
    config_path: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Start every installed server over HTTP on loopback, with the demo company, and the web chat, until Ctrl-C.

    The chat's agents come from the configuration (`--config`); its servers that are Salient servers are reached
    at the endpoints started here. Conversations are stored in the host's database (`--db`).
    """
    servers = installed_servers(port_base=port_base)
    if not servers:
        console.print("[red]No Salient server is installed.[/red] Run `make sync` first.")
        raise typer.Exit(2)
    wanted = {f"salient-{s.name}": s.port for s in servers}
    if web:
        wanted["the web chat"] = web_port or port_base
    if taken := taken_ports(wanted):
        # Checked first: a server that cannot bind its port dies, while /healthz would answer from whatever holds it.
        for what, port in taken.items():
            console.print(f"[red]Port {port} (for {what}) is already in use on 127.0.0.1.[/red]", soft_wrap=True)
        running = read_state()
        if running is not None:
            console.print(f"A salient up may be running already (process {running.pid}).", soft_wrap=True)
        span = max(wanted.values()) - port_base
        free = next(
            (
                base
                for base in range(port_base + 100, port_base + 2000, 100)
                if not taken_ports({str(p): p for p in range(base, base + span + 1)})
            ),
            port_base + 100,
        )
        console.print(
            f"Stop what holds it, or start this suite on other ports: salient up --port-base {free}", soft_wrap=True
        )
        raise typer.Exit(2)
    config = _up_config(config_path) if web else None
    web_url = f"http://127.0.0.1:{web_port or port_base}" if web else None
    suite: SuiteProcess | None = None
    # Until the host's event loop takes over, SIGTERM stops the start-up as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        suite = SuiteProcess(servers, demo=demo, log_level=log_level.upper())
        if config is None:  # the servers alone: nothing to serve until they answer
            suite.wait_all(SERVERS_START_WITHIN)
            _report_servers(suite, web_url)
        # Otherwise the web chat is served while the servers start; they are reported once they all answer.
        asyncio.run(_host(config, servers, suite, db=db, web_port=web_port or port_base, web_url=web_url))
    except KeyboardInterrupt:
        pass
    finally:
        console.print("stopping...")
        clear_state(os.getpid())
        if suite is not None:
            suite.process.terminate()
            try:
                suite.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                suite.process.kill()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 in a container).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The web chat's port.")] = BASE_PORT,
    config_path: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Serve the web chat, widget, HTTP API and admin view over the configured servers, starting none of them.

    For deployments where the servers run on their own (deploy/compose.yaml, the Helm chart): the configuration
    reaches them by URL. Stops on SIGTERM once requests in flight are answered.
    """
    from salient_host.suite.up import run_host

    config = load(config_path)

    def announce(url: str | None) -> None:
        console.print(f"salient host serving at {url}", highlight=False, soft_wrap=True)

    asyncio.run(
        run_host(config, db=db, web=True, web_port=port, processes=[], console=console, announce=announce, bind=host)
    )


def _report_servers(suite: SuiteProcess, web_url: str | None) -> None:
    """Print the servers' table, advertise the suite, show the Claude Desktop config."""
    table = Table("server", "MCP endpoint", "status")
    for server in suite.servers:
        outcome = suite.outcomes.get(server.name)
        if outcome == "up":
            status = "[green]up[/green]"
        elif outcome is None:
            status = f"[red]not answering[/red] (run salient-{server.name} --http to see why)"
        else:
            status = f"[red]failed[/red]: {escape(outcome)} (the log is above)"
        table.add_row(f"salient-{server.name}", server.url, status)
    console.print(table)
    # `salient ask` and `chat` use these servers instead of starting their own (suite_state.py).
    write_state(SuiteState(os.getpid(), suite.healthy, web_url))
    console.print("Data lives in the per-user data directory (salient-<name> --help shows the settings).")
    console.print("Mount a server in Claude Desktop (stdio) with this in claude_desktop_config.json:")
    console.print_json(json.dumps(claude_desktop_config(suite.servers)))


# How long `salient up` waits for its servers before reporting the ones still silent as not answering. Generous:
# on a small machine the servers share the CPU with the host while they load their demo data.
SERVERS_START_WITHIN = 180.0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _up_config(path: str | None) -> Config | None:
    """The configuration for the web chat, or None (servers only) when there is none where it is looked for."""
    from salient_host.config.load import config_path

    if path is None and not config_path(None, os.environ).is_file():
        console.print(
            f"[yellow]No configuration at {config_path(None, os.environ)}:[/yellow] starting the servers only. "
            "Run from the repository, or pass --config PATH (config/salient.yaml there) for the web chat."
        )
        return None
    return load(path)


async def _host(
    config: Config | None,
    servers: list[InstalledServer],
    suite: SuiteProcess,
    *,
    db: str | None,
    web_port: int,
    web_url: str | None,
) -> None:
    from salient_host.suite.up import run_host, suite_config

    chosen = config or Config(servers={})
    started = asyncio.Event()
    reporting: asyncio.Task[None] | None = None
    if config is not None:
        chosen, replaced = suite_config(config, servers)
        if replaced:
            console.print(f"The agents reach {', '.join(replaced)} at the suite's HTTP endpoints.")

        async def report() -> None:
            """Once every server is up or failed (or the wait is over), report them and let turns through."""
            loop, reported = asyncio.get_running_loop(), asyncio.Event()
            suite.when_reported(lambda: loop.call_soon_threadsafe(reported.set))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reported.wait(), SERVERS_START_WITHIN)
            started.set()
            _report_servers(suite, web_url)

        reporting = asyncio.create_task(report(), name="report the servers")
    else:
        started.set()  # reported before the host started

    def announce(url: str | None) -> None:
        if url is not None:
            settings_note = "" if os.environ.get("SALIENT_WEB_ADMIN_TOKEN") else " (off: set SALIENT_WEB_ADMIN_TOKEN)"
            table = Table("web", "URL")
            table.add_row("chat", f"{url}/")
            table.add_row("widget demo page", f"{url}/demo")
            table.add_row("HTTP API", f"{url}/api/docs")
            table.add_row("admin" + settings_note, f"{url}/admin")
            console.print(table)
            if _no_model(chosen):
                console.print(
                    "[yellow]No model is configured:[/yellow] the chat will say how to set one "
                    "(SALIENT_MODEL=..., or `model:` in the configuration)."
                )
        console.print("Press Ctrl-C to stop.")

    try:
        await run_host(
            chosen,
            db=db,
            web=config is not None,
            web_port=web_port,
            processes=[suite.process],
            console=console,
            announce=announce,
            servers_started=started,
        )
    finally:
        if reporting is not None:
            reporting.cancel()


def _no_model(config: Config) -> bool:
    from salient_host.llm.choice import model_problems

    return bool(model_problems(config)[1])


@servers_app.command("list")
def servers_list() -> None:
    """List installed servers with their default HTTP endpoints."""
    table = Table("server", "command", "HTTP endpoint (salient up)")
    for server in installed_servers():
        table.add_row(server.name, server.command, server.url)
    console.print(table)


@app.command("mcp-json")
def mcp_json(
    account: Annotated[
        str, typer.Option(help="Account the servers act for; only account demo gets the demo company (--demo).")
    ] = "demo",
) -> None:
    """Print a Claude Desktop `mcpServers` config for every installed server (stdio)."""
    typer.echo(json.dumps(claude_desktop_config(installed_servers(), account=account), indent=2))
