"""Several servers in one process, each on its own HTTP port: how `salient up` runs the suite.

    python -m salient_core.suite [--demo] [--log-level WARNING] catalog=8101 crm=8102 ...

Each server is the one its `salient-<name> --http` command serves (same settings from the environment, same
auth, Host/Origin checks and `/healthz`), but the five share one interpreter: the libraries they all import
(fastmcp, SQLAlchemy, pydantic, uvicorn) are loaded once instead of five times, which is most of the start-up and
most of the memory. The per-client rate limit is off unless the operator's own `SALIENT_<NAME>_RATE_LIMIT` says
otherwise: the host is one client carrying every visitor's turns, and limits each visitor itself.

A server that cannot start (its port taken, its demo refused) is reported and the others go on serving. Each
server's outcome is written to stdout as one line for the parent to follow: `ready NAME` once its `/healthz`
answers 200 (it accepts requests and has finished its warm-up), `failed NAME REASON` if it never will. Logs go
to stderr, as for every server. SIGINT or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Generator
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

import uvicorn

from salient_core.app import token_store
from salient_core.cli import SERVERS, ServerEntry
from salient_core.http import build_http_app
from salient_core.logs import configure_logging
from salient_core.settings import ServerSettings

log = logging.getLogger(__name__)


class SuiteServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the suite: one handler stops every server at once."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


def entry(name: str) -> ServerEntry:
    """The installed `salient-<name>` server's entry, loaded from the module its console script runs."""
    found = entry_points(group="console_scripts", name=f"salient-{name}")
    if not found:
        raise LookupError(f"no salient-{name} command is installed")
    import_module(next(iter(found)).module)  # building its command line registers the server
    return SERVERS[name]


def settings_for(server: ServerEntry, port: int, *, demo: bool, log_level: str) -> ServerSettings:
    overrides: dict[str, Any] = {"http": True, "port": port, "log_level": log_level}
    if demo:
        overrides["demo"] = True
    if f"SALIENT_{server.name.upper()}_RATE_LIMIT" not in os.environ:
        overrides["rate_limit"] = "off"
    return server.settings_cls(**overrides)


def say(line: str) -> None:
    sys.stdout.write(line.replace("\n", " ") + "\n")
    sys.stdout.flush()


async def serve_one(server: ServerEntry, settings: ServerSettings, running: dict[str, SuiteServer]) -> None:
    """Serve one server until told to stop; says `ready` once it accepts requests, `failed` if it cannot start."""
    name = server.name
    try:
        settings.check_demo()
        mcp = server.build_server(settings)
        async with token_store(settings, name) as store:
            plan = await build_http_app(mcp, settings, store)
            config = uvicorn.Config(
                plan.app, host=settings.host, port=settings.port, log_config=None, lifespan="on", access_log=False
            )
            uvi = running[name] = SuiteServer(config)
            announce = asyncio.create_task(_announce(uvi, settings, name))
            try:
                # Awaited here, not in a task of its own: uvicorn exits (SystemExit) when it cannot bind, which a
                # task would pass on to the event loop and so stop every server.
                await uvi.serve()
            finally:
                announce.cancel()
            if not uvi.started:  # uvicorn logged why (a failed lifespan)
                say(f"failed {name} it stopped while starting; its log is above")
    except asyncio.CancelledError:
        raise
    except SystemExit:  # uvicorn exits when it cannot listen, having logged why; the other servers go on
        say(f"failed {name} it could not listen on {settings.host}:{settings.port}; its log is above")
    except Exception as exc:  # whatever stops one server from starting leaves the others serving
        log.exception("salient-%s could not start", name)
        say(f"failed {name} {type(exc).__name__}: {exc}")
    finally:
        running.pop(name, None)


async def _announce(uvi: SuiteServer, settings: ServerSettings, name: str) -> None:
    """Say `ready` once the server listens and its `/healthz` answers 200 (after its warm-up, see warm_up.py)."""
    while not uvi.started:  # noqa: ASYNC110 - uvicorn sets a flag, it has no event to wait on
        await asyncio.sleep(0.01)
    while not await _healthy(settings.host, settings.port):  # noqa: ASYNC110 - polled, as a client would
        await asyncio.sleep(0.02)
    log.info("%s serving MCP at http://%s:%d%s", name, settings.host, settings.port, settings.path)
    say(f"ready {name}")


async def _healthy(host: str, port: int) -> bool:
    """Whether `GET /healthz` answers 200 (one HTTP/1.1 request on loopback; no client library needed)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        return status.split(b" ")[1:2] == [b"200"]
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def serve_suite(servers: list[tuple[ServerEntry, ServerSettings]], stop: asyncio.Event) -> None:
    """Serve every server until `stop` is set; each starts on its own, so one failing leaves the others serving."""
    running: dict[str, SuiteServer] = {}
    tasks = [asyncio.create_task(serve_one(s, settings, running), name=s.name) for s, settings in servers]
    everything = asyncio.gather(*tasks, return_exceptions=True)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({everything, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for uvi in list(running.values()):
        uvi.should_exit = True
    for task in tasks:
        if not task.done() and task.get_name() not in running:
            task.cancel()  # still starting: nothing to shut down gracefully yet
    await everything
    stopping.cancel()


async def _serve_until_signalled(servers: list[tuple[ServerEntry, ServerSettings]]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve_suite(servers, stop)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m salient_core.suite", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="Load the demo company into empty databases.")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("servers", nargs="+", metavar="NAME=PORT")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    chosen: list[tuple[ServerEntry, ServerSettings]] = []
    for item in args.servers:
        name, _, port = item.partition("=")
        try:
            server = entry(name)
            chosen.append((server, settings_for(server, int(port), demo=args.demo, log_level=args.log_level)))
        except Exception as exc:  # a server that cannot even be set up is reported like one that cannot start
            log.exception("salient-%s could not start", name)
            say(f"failed {name} {type(exc).__name__}: {exc}")
    asyncio.run(_serve_until_signalled(chosen))


if __name__ == "__main__":
    main()
