"""The command line every server shares:

    salient-<name> [--http] [--host H] [--port P] [--path /mcp] [--account A] [--db URL] [--demo]
    salient-<name> tokens create|list|revoke ...
    salient-<name> audit list --account A [--tool T] [--since WHEN] [--limit N] [--json]
    salient-<name> migrate [--check]

Servers add their own commands (`import`, `ingest`, ...) to the Typer app this module builds.
(No `from __future__ import annotations` here: Typer evaluates annotations that use local names.)
"""

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

import typer
from fastmcp import FastMCP
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import ArgumentError, DBAPIError

from salient_core.app import CORE_MIGRATIONS, audit_log, token_store
from salient_core.audit import parse_since
from salient_core.auth import expiry_from_days, scopes_for
from salient_core.db import Database
from salient_core.errors import ImportFailed, SalientError
from salient_core.logs import configure_logging
from salient_core.migrate import MigrationSet, is_current, upgrade
from salient_core.models import AuditEntry
from salient_core.settings import ServerSettings

T = TypeVar("T")
SettingsT = TypeVar("SettingsT", bound=ServerSettings)

log = logging.getLogger(__name__)

# stdout carries the MCP protocol under stdio, so everything human goes to stderr.
console = Console(stderr=True)


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a `SalientError` becomes a one-line message and exit code 2.

    Unlike `asyncio.run`, shutdown waits a bounded time for leftover tasks: when a stdio client closes the pipe
    mid-request, SQLAlchemy's aiosqlite adapter can leave a connection-closing task that never finishes, and the
    process must still exit.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    except SalientError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        _shutdown(loop)


def _shutdown(loop: asyncio.AbstractEventLoop, timeout: float = 3.0) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        _, stuck = loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
        if stuck:
            log.warning("exiting with %d task(s) that did not finish within %.0fs", len(stuck), timeout)
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


class ImportOutcome(Protocol):
    @property
    def problems(self) -> list[str]: ...

    @property
    def failed(self) -> int: ...

    def summary(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=ImportOutcome)
MAX_PROBLEMS_SHOWN = 50


def run_import(account: str, work: Coroutine[Any, Any, OutcomeT]) -> OutcomeT:
    """Run an import command: print skipped records and a summary; exit 1 if any record failed, 2 if nothing
    could be imported (a bad file, or `--strict` with a bad record)."""
    try:
        outcome = asyncio.run(work)
    except ImportFailed as exc:
        for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
            console.print(f"[red]bad record[/red] {problem}", highlight=False, soft_wrap=True)
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except SalientError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    for problem in outcome.problems[:MAX_PROBLEMS_SHOWN]:
        console.print(f"[yellow]skipped[/yellow] {problem}", highlight=False, soft_wrap=True)
    if len(outcome.problems) > MAX_PROBLEMS_SHOWN:
        console.print(f"... and {len(outcome.problems) - MAX_PROBLEMS_SHOWN} more")
    console.print(f"account {account!r}: {outcome.summary()}", highlight=False, soft_wrap=True)
    if outcome.failed:
        raise typer.Exit(1)
    return outcome


@dataclass(frozen=True)
class ServerEntry:
    """What `make_cli` was given for one server: enough to serve it without its command line (suite.py)."""

    name: str
    settings_cls: type[ServerSettings]
    build_server: Callable[[Any], FastMCP]


# Every server whose command line has been built in this process, by name.
SERVERS: dict[str, ServerEntry] = {}


def settings_of(ctx: typer.Context, settings_cls: type[SettingsT]) -> SettingsT:
    """The settings `make_cli`'s callback built from the command line and the environment, for a subcommand."""
    settings = ctx.find_root().obj
    assert isinstance(settings, settings_cls)  # make_cli stores an instance of the settings_cls it was given
    return settings


def make_cli(
    name: str,
    settings_cls: type[SettingsT],
    build_server: Callable[[SettingsT], FastMCP],
    *,
    migrations: MigrationSet,
    help: str,
) -> typer.Typer:
    """The Typer app for `salient-<name>`: serve by default, plus the `tokens`, `audit` and `migrate` commands.

    `migrations` is the server's own set; core's is migrated with it.
    """
    SERVERS[name] = ServerEntry(name, settings_cls, build_server)
    app = typer.Typer(help=help, no_args_is_help=False, add_completion=False, rich_markup_mode=None)

    @app.callback(invoke_without_command=True)
    def main(
        ctx: typer.Context,
        http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
        host: Annotated[str | None, typer.Option(help="HTTP bind address (default 127.0.0.1).")] = None,
        port: Annotated[
            int | None, typer.Option(help="HTTP port (default: the server's own, e.g. 8101 for catalog).")
        ] = None,
        path: Annotated[str | None, typer.Option(help="HTTP path of the MCP endpoint (default /mcp).")] = None,
        account: Annotated[str | None, typer.Option(help="Account for stdio and data commands (default demo).")] = None,
        db: Annotated[str | None, typer.Option(help="Database URL (sqlite:///... or postgresql://...).")] = None,
        demo: Annotated[
            bool, typer.Option("--demo", help="Load the demo company's data if empty (account demo only).")
        ] = False,
        log_level: Annotated[str | None, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = None,
        log_format: Annotated[str | None, typer.Option(help="plain or json.")] = None,
    ) -> None:
        overrides: dict[str, Any] = {
            key: value
            for key, value in {
                "host": host,
                "port": port,
                "path": path,
                "account": account,
                "db": db,
                "log_level": log_level.upper() if log_level else None,
                "log_format": log_format,
            }.items()
            if value is not None
        }
        if http:
            overrides["http"] = True
        if demo:
            overrides["demo"] = True
        try:
            settings = settings_cls(**overrides)
        except ValueError as exc:
            console.print(f"[red]error:[/red] invalid settings:\n{exc}")
            raise typer.Exit(2) from exc
        configure_logging(settings.log_level, settings.log_format)
        ctx.obj = settings
        if ctx.invoked_subcommand is None:
            # Serving seeds the demo data; data commands (`tokens`, `import`) never do, so they run as asked.
            try:
                settings.check_demo()
            except SalientError as exc:
                console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                raise typer.Exit(2) from exc
            run_async(_serve(name, settings, build_server(settings)))

    tokens = typer.Typer(help="Create, list and revoke HTTP bearer tokens.", no_args_is_help=True)
    app.add_typer(tokens, name="tokens")
    read_scope, write_scope = scopes_for(name)

    @tokens.command("create")
    def tokens_create(
        ctx: typer.Context,
        account: Annotated[str, typer.Option(help="Account the token acts for.")],
        scopes: Annotated[str, typer.Option(help=f"Comma-separated: {read_scope}, {write_scope}.")] = read_scope,
        name_: Annotated[str, typer.Option("--name", help="A label to recognise the token by.")] = "",
        days: Annotated[int | None, typer.Option(help="Lifetime in days (default: no expiry).")] = None,
    ) -> None:
        """Create a token and print it once; only its hash is stored."""
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in (read_scope, write_scope)]
        if unknown:
            console.print(f"[red]error:[/red] unknown scope(s) {unknown}; use {read_scope} and/or {write_scope}.")
            raise typer.Exit(2)

        async def create() -> None:
            async with token_store(settings_of(ctx, settings_cls), name) as store:
                record, plaintext = await store.create(
                    account=account, scopes=wanted, name=name_, expires_in=expiry_from_days(days)
                )
            console.print(f"created {record.id} for account {account!r} with scopes {record.scopes}")
            console.print("Store this token now; it cannot be shown again:")
            typer.echo(plaintext)

        run_async(create())

    @tokens.command("list")
    def tokens_list(
        ctx: typer.Context,
        account: Annotated[str | None, typer.Option(help="Only this account's tokens.")] = None,
        all_: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
    ) -> None:
        """List tokens (never their secret)."""

        async def show() -> None:
            async with token_store(settings_of(ctx, settings_cls), name) as store:
                records = await store.list(account=account, include_revoked=all_)
            header = ("id", "account", "name", "scopes", "created", "expires", "revoked", "last used")
            rows = [
                (
                    r.id,
                    r.account_id,
                    r.name,
                    ",".join(r.scopes),
                    f"{r.created_at:%Y-%m-%d %H:%M}",
                    f"{r.expires_at:%Y-%m-%d}" if r.expires_at else "-",
                    f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "-",
                    f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "-",
                )
                for r in records
            ]
            print_rows(header, rows)

        run_async(show())

    @tokens.command("revoke")
    def tokens_revoke(ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="The token's id.")]) -> None:
        """Revoke a token; requests carrying it are refused from then on."""

        async def revoke() -> None:
            async with token_store(settings_of(ctx, settings_cls), name) as store:
                record = await store.revoke(token_id)
            console.print(f"revoked {record.id} (account {record.account_id!r})")

        run_async(revoke())

    audit = typer.Typer(help="Read the audit log of write tool calls.", no_args_is_help=True)
    app.add_typer(audit, name="audit")

    @audit.command("list")
    def audit_list(
        ctx: typer.Context,
        account: Annotated[str, typer.Option(help="Whose calls to list.")],
        tool: Annotated[str | None, typer.Option(help="Only calls of this tool.")] = None,
        since: Annotated[
            str | None, typer.Option(help="From when: 2026-12-01, 2026-12-01T09:30:00Z (UTC if no zone), 30m, 12h, 7d.")
        ] = None,
        limit: Annotated[int, typer.Option(help="At most this many, newest first (1-1000).")] = 50,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array instead of a table.")] = False,
    ) -> None:
        """List write tool calls, newest first: who, which token, what tool and arguments (secrets redacted), when,
        and the outcome (ok, error or refused)."""

        async def show() -> None:
            start = parse_since(since) if since is not None else None
            async with audit_log(settings_of(ctx, settings_cls), name) as log_:
                entries = await log_.list(account=account, tool=tool, since=start, limit=limit)
            if as_json:
                typer.echo(json.dumps([entry_json(e) for e in entries], indent=2))
                return
            header = ("at", "tool", "outcome", "token", "subject", "ms", "arguments", "error")
            rows = [
                (
                    e.at.isoformat(timespec="seconds"),
                    e.tool,
                    e.outcome,
                    e.token_id or "local",
                    e.subject or "-",
                    str(e.duration_ms),
                    json.dumps(e.arguments, ensure_ascii=False),
                    e.error or "-",
                )
                for e in entries
            ]
            print_rows(header, rows)

        run_async(show())

    @app.command("migrate")
    def migrate(
        ctx: typer.Context,
        check: Annotated[
            bool, typer.Option("--check", help="Change nothing: exit 0 if the schema is current, 1 if not.")
        ] = False,
    ) -> None:
        """Bring the database's schema up to date and exit: run once per release (a deployment's migration Job).

        Servers also migrate when they start, under a lock that lets one process at a time do it, so this is for
        doing it before the new version's replicas start, not for safety.
        """
        settings = settings_of(ctx, settings_cls)

        url = settings.database_url(name)
        described = Database.describe_url(url)
        backend = url.split(":", 1)[0].split("+", 1)[0]
        if backend not in ("sqlite", "postgresql", "postgres"):
            console.print(
                f"[red]error:[/red] cannot migrate {described}: Salient keeps its data in SQLite or PostgreSQL, "
                f"not {backend!r}",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)

        async def run() -> bool:
            db = Database(url)
            try:
                if check:
                    return await is_current(db, CORE_MIGRATIONS, migrations)
                await upgrade(db, CORE_MIGRATIONS, migrations)
                return True
            finally:
                await db.close()

        try:
            current = run_async(run())
        except (ArgumentError, DBAPIError, OSError) as exc:
            # A Job's log should say what is wrong in one line: a URL no driver takes, a database not there.
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            console.print(f"[red]error:[/red] cannot migrate {described}: {reason}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        if not current:
            console.print(
                f"salient-{name}: the schema at {described} is not current; run salient-{name} migrate",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1)
        console.print(f"salient-{name}: the schema at {described} is current", highlight=False, soft_wrap=True)

    return app


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "account": entry.account_id,
        "at": entry.at.isoformat(),
        "tool": entry.tool,
        "token_id": entry.token_id,
        "subject": entry.subject,
        "arguments": entry.arguments,
        "outcome": entry.outcome,
        "error": entry.error,
        "duration_ms": entry.duration_ms,
    }


def print_rows(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A table on a terminal; tab-separated lines for scripts."""
    out = Console()
    if not out.is_terminal:
        for row in (header, *rows):
            typer.echo("\t".join(row))
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*row)
    out.print(table)


async def _serve(name: str, settings: ServerSettings, mcp: FastMCP) -> None:
    if not settings.http:
        await mcp.run_async(transport="stdio", show_banner=False)
        return
    # The HTTP stack (auth, rate limits with redis) only when serving HTTP: a stdio server starts without it.
    from salient_core.http import serve_http

    async with token_store(settings, name) as store:
        await serve_http(mcp, settings, store)
