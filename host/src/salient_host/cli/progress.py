"""What `salient ask` and `salient chat` say on stderr while the agent's servers start, and which servers they use.

Starting a stdio server takes seconds (the library's embedding model, a minute); the person sees each server
named as it is started and again when it answers or is given up on. A server a running `salient up` serves is
used where it is (suite/state.py) and named as such. Never on stdout, which `ask --json` keeps for its object.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.console import Console
from rich.markup import escape

from salient_host.config.schema import Config
from salient_host.config.tenancy import DEMO_ACCOUNT
from salient_host.mcp.status import StatusChange
from salient_host.suite.state import running_suite_servers, with_suite_servers


class ServerProgress:
    """Prints the agent's servers starting, then each as it comes up or goes down (a `supervision` listener)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.started = time.monotonic()

    def starting(self, names: list[str]) -> None:
        if names:
            self.started = time.monotonic()
            self.console.print(f"[dim]starting {', '.join(names)}...[/dim]")

    def reused(self, urls: Mapping[str, str]) -> None:
        for name, url in urls.items():
            self.console.print(f"[dim]{name}: the running salient up at {url}[/dim]")

    def __call__(self, change: StatusChange) -> None:
        seconds = time.monotonic() - self.started
        status = change.status
        if status.state == "up":
            tools = f", {status.tools} tools" if status.tools is not None else ""
            self.console.print(f"[dim]{status.server}: ready ({seconds:.1f} s{tools})[/dim]")
        elif status.state == "down":
            self.console.print(
                f"[yellow]{status.server}: unavailable ({escape(status.last_error or 'no answer')}); "
                "the agent goes on without its tools[/yellow]"
            )


def agent_servers(config: Config, agent: str, progress: ServerProgress, *, account: str) -> Config:
    """`config` with the agent's servers that a running `salient up` serves reached there; the rest named as started.

    The suite's servers act for the demo account (they run with `--demo` and no tokens): only a conversation of
    that account may be sent there; any other starts its own servers, for its own account (config/tenancy.py).
    """
    names = list(config.agents[agent].servers)
    urls = running_suite_servers(config, names) if account == DEMO_ACCOUNT else {}
    progress.reused(urls)
    progress.starting([n for n in names if n not in urls and config.servers[n].command])
    return with_suite_servers(config, urls)
