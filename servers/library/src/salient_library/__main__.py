"""`salient-library`: serve the knowledge base over stdio or HTTP, manage tokens, ingest files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from salient_core.app import core_database
from salient_core.cli import console, make_cli, run_async, settings_of

from salient_library.crawl import CrawlLimits
from salient_library.schemas import IngestReport
from salient_library.server import LIBRARY_MIGRATIONS, build_server
from salient_library.service import LibraryService
from salient_library.settings import LibrarySettings

app = make_cli(
    "library",
    LibrarySettings,
    build_server,
    migrations=LIBRARY_MIGRATIONS,
    help="Salient library MCP server: ingestion and cited, hybrid retrieval. "
    "Serves stdio by default; --http for streamable HTTP.",
)


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    sources: Annotated[
        list[str], typer.Argument(help="Files or directories (.md, .html, .pdf, .txt), or http(s) URLs.")
    ],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection to ingest into.")],
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag the sources (repeatable).")] = None,
    max_pages: Annotated[int, typer.Option(help="For URLs: most pages to fetch.")] = 50,
    depth: Annotated[int, typer.Option(help="For URLs: links to follow from each page (0: the page alone).")] = 0,
    any_domain: Annotated[bool, typer.Option("--any-domain", help="For URLs: follow links to other sites.")] = False,
) -> None:
    """Ingest files or URLs into the account given by --account; unchanged ones are skipped, removed ones deleted."""
    settings = settings_of(ctx, LibrarySettings)
    urls = [s for s in sources if s.startswith(("http://", "https://"))]
    paths = [Path(s) for s in sources if s not in urls]
    if urls and paths:
        console.print("[red]error:[/red] pass either URLs or paths, not both")
        raise typer.Exit(2)
    if paths and not settings.file_roots:
        # The operator at the shell may read these files anyway; roots restrict what MCP callers can name.
        settings = settings.model_copy(
            update={"file_roots": [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]}
        )

    async def run() -> IngestReport:
        async with core_database(settings, "library", LIBRARY_MIGRATIONS) as db:
            service = LibraryService(db, settings)
            if urls:
                crawl = CrawlLimits(max_pages=max_pages, depth=depth, same_domain=not any_domain)
                plan = service.plan(urls=urls, crawl=crawl)
            else:
                plan = service.plan(paths=[str(p) for p in paths])
            columns = [TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("documents", total=len(plan.items) or len(plan.urls))

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return await service.ingest(settings.account, collection, plan, tags=tag or [], progress=progress)

    report = run_async(run())
    for problem in report.problems:
        console.print(f"[yellow]skipped[/yellow] {problem}")
    console.print(
        f"collection {collection!r} of account {settings.account!r}: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.removed} removed, {len(report.problems)} skipped"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
