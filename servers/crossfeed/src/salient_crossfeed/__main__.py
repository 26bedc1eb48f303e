"""`salient-crossfeed`: serve crossfeed over stdio or HTTP, manage tokens, import curated knowledge and orders."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from salient_core.cli import console, make_cli, settings_of
from salient_core.db import Database
from salient_core.errors import SalientError
from salient_core.migrate import upgrade

from salient_crossfeed import importer
from salient_crossfeed.errors import ImportFailed
from salient_crossfeed.records import KINDS
from salient_crossfeed.server import MIGRATIONS, build_server
from salient_crossfeed.settings import CrossfeedSettings

app = make_cli(
    "crossfeed",
    CrossfeedSettings,
    build_server,
    help="Salient crossfeed MCP server: cross-sell, up-sell, competitive positioning, territories and reps. "
    "Serves stdio by default; --http for streamable HTTP.",
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv, .json, .yaml or .yml file.")],
    kind: Annotated[
        str | None,
        typer.Option(help=f"What the file holds: {', '.join(KINDS)} (default: from the file name or its sections)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any record is bad.")] = False,
) -> None:
    """Import into the account given by --account; re-running the same file changes nothing."""
    settings = settings_of(ctx)

    async def run() -> importer.ImportReport:
        db = Database(settings.database_url("crossfeed"))
        try:
            await upgrade(db, *MIGRATIONS)
            return await importer.import_file(db, settings.account, file, kind=kind, strict=strict)
        finally:
            await db.close()

    try:
        report = asyncio.run(run())
    except ImportFailed as exc:
        for problem in exc.problems[: importer.MAX_ERRORS_SHOWN]:
            console.print(f"[red]bad record[/red] {problem}", highlight=False, soft_wrap=True)
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    except SalientError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    for problem in report.problems[: importer.MAX_ERRORS_SHOWN]:
        console.print(f"[yellow]skipped[/yellow] {problem}", highlight=False, soft_wrap=True)
    if len(report.problems) > importer.MAX_ERRORS_SHOWN:
        console.print(f"... and {len(report.problems) - importer.MAX_ERRORS_SHOWN} more")
    console.print(f"account {settings.account!r}: {report.summary()}", highlight=False, soft_wrap=True)
    if report.failed:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
