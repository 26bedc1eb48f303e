"""Demo data loaded while the server already answers: `initialize` and `tools/list` are never held up by it.

Loading the demo company into a fresh data directory takes tens of seconds (the library embeds its documents), longer
than a client waits for a server to start. So the lifespan starts the load as a task (`DemoLoad.start`) and serves at
once; `DemoReady` makes each tool call, resource read and prompt wait until the load has finished, so nobody sees a
half-loaded company. A load that failed fails those requests with its reason (and is in the server's log).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

from salient_core.errors import SalientError

log = logging.getLogger(__name__)


class DemoLoadFailed(SalientError):
    def __init__(self, server: str, reason: str) -> None:
        super().__init__(
            f"The {server} server could not load its demo data: {reason}.",
            hint="See the server's log for the cause, then restart the server to try again.",
        )


class DemoLoad:
    """The demo load of one running server, if any."""

    def __init__(self, server: str) -> None:
        self.server = server
        self._task: asyncio.Task[None] | None = None

    def start(self, load: Awaitable[None]) -> None:
        async def run() -> None:
            await load

        self._task = asyncio.create_task(run(), name=f"load the {self.server} demo data")
        self._task.add_done_callback(self._report)

    def _report(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("salient-%s: loading the demo data failed", self.server, exc_info=task.exception())

    async def wait(self) -> None:
        """Return once the demo data is loaded (at once when there is none to load); raise if loading failed."""
        task = self._task
        if task is None:
            return
        if not task.done():
            log.info("salient-%s: a request waits for the demo data to finish loading", self.server)
        # Shielded: a request given up on (a client's timeout) must not cancel the load for everyone else.
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():  # the server is stopping
                raise DemoLoadFailed(self.server, "the server stopped before it finished") from None
            raise
        except Exception as exc:  # whatever stopped the load: the request is told, the log has the traceback
            raise DemoLoadFailed(self.server, f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Let a load still running finish: a server started only to load the demo (stdin closed at once) leaves
        the whole company behind, as it did when the load came before serving. A server cancelled (Ctrl-C) stops
        the load with it."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


class DemoReady(Middleware):
    """Requests that read or write the server's data wait for its demo load (see the module docstring)."""

    def __init__(self, load: DemoLoad) -> None:
        self.load = load

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        await self.load.wait()
        return await call_next(context)

    async def on_read_resource(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        await self.load.wait()
        return await call_next(context)

    async def on_get_prompt(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        await self.load.wait()
        return await call_next(context)
