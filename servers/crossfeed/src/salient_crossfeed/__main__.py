"""`salient-crossfeed`: serve crossfeed over stdio or HTTP, manage tokens, import curated knowledge and orders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from salient_core.app import core_database
from salient_core.cli import make_cli, run_import, settings_of

from salient_crossfeed.records import KINDS
from salient_crossfeed.server import CROSSFEED_MIGRATIONS, build_server
from salient_crossfeed.settings import CrossfeedSettings

app = make_cli(
    "crossfeed",
    CrossfeedSettings,
    build_server,
    migrations=CROSSFEED_MIGRATIONS,
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
    # The importer (and the YAML parser it reads files with) loads for this command only, not for every start.
    from salient_crossfeed import importer

    settings = settings_of(ctx, CrossfeedSettings)

    async def run() -> importer.ImportReport:
        async with core_database(settings, "crossfeed", CROSSFEED_MIGRATIONS) as db:
            return await importer.import_file(db, settings.account, file, kind=kind, strict=strict)

    run_import(settings.account, run())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
