"""`salient install claude-desktop` and `salient install mcp-json`: client configuration for the servers.

Also runnable on its own as `python -m salient_host.cli.install ...`, with the same commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salient_host.mcp.discovery import installed_servers
from salient_host.suite.install import (
    MCP_JSON_NAME,
    InstallRefused,
    Plan,
    choose_servers,
    claude_desktop_path,
    plan,
    salient_entries,
    write,
)

# Exit codes scripts can rely on (as in cli_host): 0 written or nothing to change, 2 refused, nothing changed.
OK, REFUSED = 0, 2

install_app = typer.Typer(help="Write MCP client configuration for the installed servers.", no_args_is_help=True)

ServersOption = Annotated[
    list[str] | None,
    typer.Option(
        "--servers", "-s", help="Servers to install (repeat, or separate with commas); default: every installed one."
    ),
]
AccountOption = Annotated[
    str, typer.Option(help="Account the servers act for; only account demo gets the demo company (--demo).")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Print the resulting file; write nothing.")]


def _install(path: Path, servers: list[str] | None, account: str, dry_run: bool, restart_hint: str) -> None:
    wanted = [name.strip() for option in servers or [] for name in option.split(",") if name.strip()]
    try:
        chosen = choose_servers(installed_servers(), wanted)
        planned = plan(path, salient_entries(chosen, account=account))
    except InstallRefused as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(REFUSED) from None
    if dry_run:
        typer.echo(planned.content, nl=False)
        typer.echo(f"dry run: {_summary(planned)}; nothing was written to {path}", err=True)
        raise typer.Exit(OK)
    if not planned.changes:
        typer.echo(f"{path} is up to date ({_summary(planned)}); nothing was written")
        raise typer.Exit(OK)
    try:
        backup = write(planned)
    except OSError as exc:
        typer.echo(f"refused: cannot write {path} ({exc})", err=True)
        raise typer.Exit(REFUSED) from None
    typer.echo(f"wrote {path}: {_summary(planned)}")
    if backup is not None:
        typer.echo(f"the previous file is kept as {backup}")
    typer.echo(restart_hint)


def _summary(planned: Plan) -> str:
    parts = [
        f"{label} {', '.join(names)}"
        for label, names in (("added", planned.added), ("updated", planned.updated), ("unchanged", planned.unchanged))
        if names
    ]
    if planned.kept:
        parts.append(f"kept {len(planned.kept)} other server{'' if len(planned.kept) == 1 else 's'} untouched")
    return "; ".join(parts)


@install_app.command("claude-desktop")
def claude_desktop(
    path: Annotated[
        Path | None, typer.Option("--path", help="The config file (default: where Claude Desktop reads it here).")
    ] = None,
    servers: ServersOption = None,
    account: AccountOption = "demo",
    dry_run: DryRunOption = False,
) -> None:
    """Add the Salient servers (stdio) to Claude Desktop's configuration, keeping every other entry and a backup."""
    target = path if path is not None else claude_desktop_path()
    _install(target, servers, account, dry_run, "Restart Claude Desktop to load the servers.")


@install_app.command("mcp-json")
def mcp_json(
    path: Annotated[
        Path, typer.Option("--path", help="The file (Claude Code reads .mcp.json; Cursor .cursor/mcp.json).")
    ] = Path(MCP_JSON_NAME),
    servers: ServersOption = None,
    account: AccountOption = "demo",
    dry_run: DryRunOption = False,
) -> None:
    """Add the Salient servers (stdio) to an `mcpServers` file for IDEs and agents, keeping every other entry."""
    _install(path, servers, account, dry_run, "Reload the client (or reopen the project) to load the servers.")


def register(app: typer.Typer) -> None:
    app.add_typer(install_app, name="install")


if __name__ == "__main__":
    install_app()
