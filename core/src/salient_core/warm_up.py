"""Work a server does right after it starts serving, before it reports itself ready.

Some state is costly to make and needed by every request, such as the catalog's in-memory search index (seconds
at 50,000 products). Done in the lifespan before serving, it would hold up `initialize` and `tools/list` past a
client's start-up timeout; done on the first request, that request pays for it. So the lifespan starts it as a
task (`WarmUp.start`, after the demo load if there is one) and serves at once, and `/healthz` answers 503
("starting") until it has finished, so a load balancer or `salient up` sends traffic only once it is done.
Requests that come earlier wait on the same work through the state's own locking. A warm-up that fails is
logged and leaves the work to the first request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable

from salient_core.demo_load import DemoLoad

log = logging.getLogger(__name__)


class WarmUp:
    """The warm-up of one running server, if it has one."""

    def __init__(self, server: str) -> None:
        self.server = server
        self._task: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        """True once the warm-up has finished (or failed), and when there is none."""
        return self._task is None or self._task.done()

    def start(self, work: Awaitable[None], *, after: DemoLoad) -> None:
        """Run `work` once the demo load (if any) has ended, so it sees the demo data."""

        async def run() -> None:
            with contextlib.suppress(Exception):  # a failed demo load is reported by the requests that wait on it
                await after.wait()
            started = time.perf_counter()
            await work
            log.info("salient-%s: warmed up in %.2fs", self.server, time.perf_counter() - started)

        self._task = asyncio.create_task(run(), name=f"warm up the {self.server} server")
        self._task.add_done_callback(self._report)

    def _report(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.warning(
                "salient-%s: warming up failed; requests do the work instead", self.server, exc_info=task.exception()
            )

    async def aclose(self) -> None:
        """Stop a warm-up still running: nothing is lost, the state is dropped with the server."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
