"""`salient`: start the suite, print how to connect to it, and (cli_host.py) run the configured agents."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from salient_host.cli_host import register
from salient_host.cli_install import register as register_install
from salient_host.suite import claude_desktop_config, installed_servers, start, wait_healthy

app = typer.Typer(help="Salient: MCP servers and agents for sales and service.", no_args_is_help=True)
servers_app = typer.Typer(help="The Salient servers installed here.", no_args_is_help=True)
app.add_typer(servers_app, name="servers")
register(app, servers_app)
register_install(app)
console = Console()


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Load the demo company into empty databases.")] = True,
    log_level: Annotated[str, typer.Option(help="Servers' log level: DEBUG, INFO, WARNING or ERROR.")] = "WARNING",
) -> None:
    """Start every installed server over HTTP on loopback, with the demo company, until Ctrl-C."""
    servers = installed_servers()
    if not servers:
        console.print("[red]No Salient server is installed.[/red] Run `make sync` first.")
        raise typer.Exit(2)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for server in servers:
            processes.append(start(server, demo=demo, log_level=log_level.upper()))
        table = Table("server", "MCP endpoint", "status")
        for server, process in zip(servers, processes, strict=True):
            ok = wait_healthy(server, process)
            status = "[green]up[/green]" if ok else f"[red]failed[/red] (run salient-{server.name} --http to see why)"
            table.add_row(f"salient-{server.name}", server.url, status)
        console.print(table)
        console.print("Data lives in the per-user data directory (salient-<name> --help shows the settings).")
        console.print("Mount a server in Claude Desktop (stdio) with this in claude_desktop_config.json:")
        console.print_json(json.dumps(claude_desktop_config(servers)))
        console.print("Press Ctrl-C to stop.")
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        # One server failing (say, the library without its embedding model) must not take the others down.
        reported: set[str] = set()
        while any(p.poll() is None for p in processes):
            for server, process in zip(servers, processes, strict=True):
                if process.poll() is not None and server.name not in reported:
                    reported.add(server.name)
                    console.print(f"[red]salient-{server.name} exited with code {process.returncode}[/red]")
            time.sleep(0.5)
        console.print("[red]Every server has exited.[/red]")
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@servers_app.command("list")
def servers_list() -> None:
    """List installed servers with their default HTTP endpoints."""
    table = Table("server", "command", "HTTP endpoint (salient up)")
    for server in installed_servers():
        table.add_row(server.name, server.command, server.url)
    console.print(table)


@app.command("mcp-json")
def mcp_json(account: Annotated[str, typer.Option(help="Account the servers act for.")] = "demo") -> None:
    """Print a Claude Desktop `mcpServers` config for every installed server (stdio)."""
    typer.echo(json.dumps(claude_desktop_config(installed_servers(), account=account), indent=2))
