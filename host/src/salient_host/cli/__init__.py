"""The `salient` command: one module per group of sub-commands (`main.py` assembles them).

The console script is `salient_host.cli:app`.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        # On use, not at import: `python -m salient_host.cli.install` (what an MCP client's setup runs) imports this
        # package first, and must not load every other command with it.
        from salient_host.cli.main import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
