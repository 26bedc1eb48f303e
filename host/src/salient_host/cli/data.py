"""`salient import catalog|crossfeed FILE` and `salient ingest SOURCES`: data commands that forward to the servers.

The host imports nothing itself: it runs the server's own command (`salient-catalog import ...`) the way the
configured server is run, with its `command`, `args`, `cwd` and `env` (over the user's environment). The child
writes straight to the terminal, progress bars included, and its exit code is the command's. Without a
configuration file the installed `salient-<name>` runs on the user's environment, as `salient up` does.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

import typer
from typer.core import TyperGroup

from salient_host.cli.options import ConfigOption, load
from salient_host.config.load import DEFAULT_CONFIG
from salient_host.config.schema import ServerConfig
from salient_host.mcp.commands import locate
from salient_host.problems import Problem

# As the servers' own import: 2 means nothing was imported (here: nothing was run).
REFUSED = 2


class ServerGroup(TyperGroup):
    """`salient import NAME`: an unknown name is refused with the servers that have an import."""

    # Typed Any: typer vendors click privately (typer._click) and exports no Context or Command type to name.
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.commands and not ctx.resilient_parsing:
            ctx.fail(
                f"unknown server {name!r}: salient import works with {', '.join(self.commands)} "
                "(documents go to the library with salient ingest)."
            )
        return super().resolve_command(ctx, args)


import_app = typer.Typer(
    cls=ServerGroup,
    help="Import a file into a server's database through the server's own import command.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
StrictOption = Annotated[bool, typer.Option("--strict", help="Import nothing if any record is malformed.")]
AccountOption = Annotated[
    str | None,
    typer.Option("--account", help="Account to write into (default: the configured server's, else demo)."),
]


@import_app.command("catalog")
def import_catalog(
    file: FileArgument,
    strict: StrictOption = False,
    account: AccountOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Import products (CSV, Salient JSON, Shopify products.json) into the catalog; re-running a file changes nothing.

    Runs `salient-catalog import` as servers.catalog in the configuration runs. Exit code: 0 imported, 1 some
    rows skipped (listed), 2 nothing imported.
    """
    _import("catalog", file, ["--strict"] if strict else [], account, config_path)


@import_app.command("crossfeed")
def import_crossfeed(
    file: FileArgument,
    kind: Annotated[
        str | None,
        typer.Option(
            help="What the file holds: products, cross_sell, upsell, competitors, claims, territories, reps or "
            "orders (default: from the file name or its sections)."
        ),
    ] = None,
    strict: StrictOption = False,
    account: AccountOption = None,
    config_path: ConfigOption = None,
) -> None:
    """Import orders or curated knowledge (.csv, .json, .yaml) into crossfeed; re-running a file changes nothing.

    Runs `salient-crossfeed import` as servers.crossfeed in the configuration runs. Exit code: 0 imported,
    1 some records skipped (listed), 2 nothing imported.
    """
    options = (["--kind", kind] if kind else []) + (["--strict"] if strict else [])
    _import("crossfeed", file, options, account, config_path)


def ingest(
    sources: Annotated[
        list[str],
        typer.Argument(help="Files or directories (.md, .html, .pdf, .txt), or http(s) URLs.", show_default=False),
    ],
    collection: Annotated[
        str, typer.Option("--collection", "-c", help="Collection to ingest into.", show_default=False)
    ],
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Tag the sources (repeatable).")] = None,
    max_pages: Annotated[int | None, typer.Option(help="For URLs: most pages to fetch (default: 50).")] = None,
    depth: Annotated[
        int | None, typer.Option(help="For URLs: links to follow from each page (default: 0, the page alone).")
    ] = None,
    any_domain: Annotated[bool, typer.Option("--any-domain", help="For URLs: follow links to other sites.")] = False,
    account: AccountOption = None,
    # Only the long form: `-c` is --collection, as in salient-library.
    config_path: Annotated[
        str | None,
        typer.Option("--config", help="Configuration file (default: $SALIENT_CONFIG or config/salient.yaml)."),
    ] = None,
) -> None:
    """Ingest files or web pages into a library collection; unchanged ones are skipped, changed replaced, gone removed.

    Runs `salient-library ingest` as servers.library in the configuration runs. Exit code: 0 done, 2 nothing
    ingested.
    """
    # Paths go as absolute paths (the server may run in its own `cwd`). A missing one is not refused here: the
    # library removes a named file that was ingested before and is gone, and refuses any other.
    options = ["--collection", collection]
    for value in tag or []:
        options += ["--tag", value]
    options += ["--max-pages", str(max_pages)] if max_pages is not None else []
    options += ["--depth", str(depth)] if depth is not None else []
    options += ["--any-domain"] if any_domain else []
    server, source = _server("library", config_path)
    _refuse_remote("library", server, source, account, ["ingest", *sources, *options])
    local = [s if s.startswith(("http://", "https://")) else str(Path(s).resolve()) for s in sources]
    _run("library", server, source, account, ["ingest", *local, *options])


def _import(name: str, file: Path, options: list[str], account: str | None, config_path: str | None) -> None:
    server, source = _server(name, config_path)
    _refuse_remote(name, server, source, account, ["import", str(file), *options])
    # Checked here rather than by the server, which may create its database before it finds the file missing.
    if not file.is_file():
        what = "is a directory; import takes one file" if file.is_dir() else "does not exist"
        _refuse(f"{str(file)!r} {what}. Nothing was imported.")
    _run(name, server, source, account, ["import", str(file.resolve()), *options])


def _refuse_remote(name: str, server: ServerConfig, source: Path | None, account: str | None, typed: list[str]) -> None:
    """A server configured by URL is refused, with the command to run where it runs (paths as the user typed)."""
    if not server.url:
        return
    there = shlex.join([f"salient-{name}", *_account_args(account), *typed])
    host = urlsplit(server.url).hostname or server.url
    what = f"a remote server (at {host}); {typed[0]} writes to the server's own database, so it runs on its machine"
    _refuse(str(Problem(str(source), f"servers.{name}", what, f"on that machine, run `{there}`")))


def _run(name: str, server: ServerConfig, source: Path | None, account: str | None, command: list[str]) -> NoReturn:
    """Run `salient-<name> [--account A] COMMAND` as the configured server runs; exit with its exit code."""
    assert server.command is not None, "config_load guarantees command or url"
    env = os.environ | server.env
    cwd = source.parent / server.cwd if source is not None and server.cwd else None
    executable = locate(server.command, path=env.get("PATH"), cwd=cwd)
    if executable is None:
        where = f"not on PATH, nor in {Path(sys.executable).parent}"
        fix = f"install it: `make sync` in the repository, or `pip install ./core ./servers/{name}`"
        if source is None:
            _refuse(f"{server.command} is not installed here ({where}). Fix: {fix}")
        key, what = f"servers.{name}.command", f"{server.command!r} is not installed here ({where})"
        _refuse(str(Problem(str(source), key, what, f"{fix}; or correct the command")))
    try:
        process = subprocess.Popen([executable, *server.args, *_account_args(account), *command], env=env, cwd=cwd)
    except OSError as exc:
        _refuse(f"cannot run {executable} ({exc}). Nothing was changed.")
    try:
        code = process.wait()
    except KeyboardInterrupt:
        # The child had the same Ctrl-C (one process group): it stops on its own terms; report how it ended.
        code = process.wait()
    # A child ended by a signal reports -N; shells say 128+N.
    raise typer.Exit(code if code >= 0 else 128 - code)


def _account_args(account: str | None) -> list[str]:
    return ["--account", account] if account else []


def _server(name: str, config_path: str | None) -> tuple[ServerConfig, Path | None]:
    """The configured server and the file it is configured in; without any configuration, the installed one."""
    if config_path is None and not os.environ.get("SALIENT_CONFIG") and not DEFAULT_CONFIG.is_file():
        typer.echo(
            f"note: no configuration at {DEFAULT_CONFIG}: running salient-{name} with your environment "
            "(pass --config PATH to use a configured server).",
            err=True,
        )
        return ServerConfig(command=f"salient-{name}"), None
    config = load(config_path)
    server = config.servers.get(name)
    if server is None:
        known = ", ".join(sorted(config.servers)) or "none"
        _refuse(
            str(
                Problem(
                    str(config.source),
                    f"servers.{name}",
                    f"not configured (configured: {known})",
                    f"add `{name}: {{command: salient-{name}}}` under `servers:` "
                    "(the repository's config/salient.yaml has every server)",
                )
            )
        )
    return server, config.source


def _refuse(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(REFUSED)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("ingest")(ingest)
