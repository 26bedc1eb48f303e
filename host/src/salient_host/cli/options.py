"""What the `salient` commands share: options, exit codes, and loading the configuration."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from salient_host.config.load import load_config
from salient_host.config.problems import ConfigError
from salient_host.config.schema import Config

# Exit codes scripts can rely on.
OK, RUN_FAILED, CONFIG_PROBLEM, AWAITING_APPROVAL = 0, 1, 2, 3
INTERRUPTED = 130  # Ctrl-C, as shells report a process ended by SIGINT

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", "-c", help="Configuration file (default: $SALIENT_CONFIG or config/salient.yaml)."),
]
DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The host's database: sqlite:///path or postgresql://... (default: $SALIENT_HOST_DATABASE_URL, "
        "else host.db in the per-user data directory).",
    ),
]
AccountOption = Annotated[str, typer.Option("--account", help="The account the conversation belongs to.")]
ModelOption = Annotated[
    str | None, typer.Option(help="Model for this command, e.g. openrouter:anthropic/claude-sonnet-4.5.")
]


def cost_text(cost_usd: Decimal | float | None, unpriced: int = 0) -> str:
    """A cost as every command prints it; requests of unknown price are never shown as free.

    `$0.0123`; `$0.0123 + 2 unpriced` when part was priced; `unknown (2 unpriced)` when nothing was; `unknown`.
    """
    priced = cost_usd is not None and not (unpriced and not cost_usd)
    known = f"${Decimal(str(cost_usd)):.4f}" if priced else ""
    if not unpriced:
        return known or "unknown"
    return f"{known} + {unpriced} unpriced" if known else f"unknown ({unpriced} unpriced)"


def load(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None
