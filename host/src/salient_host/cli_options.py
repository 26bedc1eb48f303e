"""What the `salient` commands share: options, exit codes, and loading the configuration."""

from __future__ import annotations

from typing import Annotated

import typer

from salient_host.config import Config
from salient_host.config_load import load_config
from salient_host.problems import ConfigError

# Exit codes scripts can rely on.
OK, RUN_FAILED, CONFIG_PROBLEM, AWAITING_APPROVAL = 0, 1, 2, 3

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


def load(path: str | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(CONFIG_PROBLEM) from None
