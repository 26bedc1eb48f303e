"""`salient-catalog`: serve the catalog over stdio or HTTP, manage tokens, import products."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from salient_core.app import core_database
from salient_core.cli import console, make_cli, run_import, settings_of

from salient_catalog import importer
from salient_catalog.server import CATALOG_MIGRATIONS, build_server
from salient_catalog.settings import CatalogSettings

app = make_cli(
    "catalog",
    CatalogSettings,
    build_server,
    migrations=CATALOG_MIGRATIONS,
    help="Salient catalog MCP server: products, ranked search, comparison and availability. "
    "Serves stdio by default; --http for streamable HTTP.",
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv or .json file (Salient JSON or Shopify products.json).")],
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any row is malformed.")] = False,
) -> None:
    """Import products into the account given by --account; re-running the same file changes nothing."""
    settings = settings_of(ctx, CatalogSettings)

    async def run() -> importer.ImportReport:
        parsed = importer.parse_file(file, default_currency=settings.default_currency)
        async with core_database(settings, "catalog", CATALOG_MIGRATIONS) as db:
            columns = [TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("products", total=len(parsed.products))
                return await importer.write(
                    db, settings.account, parsed, strict=strict, progress=lambda n: bar.advance(task, n)
                )

    run_import(settings.account, run())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
