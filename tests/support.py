"""Helpers the tests share: databases, in-process HTTP servers, stdio subprocesses."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SALIENT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SALIENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def postgres_available() -> str | None:
    """None when PostgreSQL answers at PG_ADMIN_URL, else the reason it does not."""
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}: {exc})"
    await conn.close()
    return None


async def require_postgres() -> None:
    """Skip the test when PostgreSQL is absent, with the reason; fail instead in CI, where it must run."""
    reason = await postgres_available()
    if reason and os.environ.get("SALIENT_TEST_REQUIRE_PG") == "1":
        pytest.fail(f"{reason}; CI sets SALIENT_TEST_REQUIRE_PG=1, so PostgreSQL tests must run")
    if reason:
        pytest.skip(reason)


async def redis_available() -> str | None:
    """None when Redis answers at REDIS_URL, else the reason it does not."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()  # pyright: ignore[reportGeneralTypeIssues] - redis-py types ping as sync-or-async
    except (RedisError, OSError) as exc:
        return f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}: {exc})"
    finally:
        await client.aclose()
    return None


async def require_redis() -> None:
    """Skip the test when Redis is absent, with the reason; fail instead where SALIENT_TEST_REQUIRE_REDIS=1."""
    reason = await redis_available()
    if reason and os.environ.get("SALIENT_TEST_REQUIRE_REDIS") == "1":
        pytest.fail(f"{reason}; SALIENT_TEST_REQUIRE_REDIS=1 demands the Redis tests run")
    if reason:
        pytest.skip(reason)


@contextlib.asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    name = f"salient_t_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def serve_asgi(app: ASGIApp, *, port: int | None = None) -> AsyncIterator[str]:
    """Run `app` under a real uvicorn on a free loopback port (or `port`); yields the base URL.

    The socket is bound here and handed to uvicorn, so no other process (tests run in parallel) can take the port
    between choosing it and listening on it.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port or 0))
    except OSError:
        sock.close()
        raise
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped before it started")
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not start within 30 s")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(task, 15)
        finally:
            sock.close()  # uvicorn closes it on a clean shutdown; not when startup failed


def console_script(name: str) -> str:
    """Path of an installed console script in this virtual environment."""
    return str(Path(sys.executable).parent / name)


def answers_ok(response: httpx.Response) -> bool:
    return response.status_code == 200


@contextlib.contextmanager
def serve_process(
    args: list[str],
    *,
    ready_url: str,
    log: Path,
    timeout: float = 90.0,
    env: Mapping[str, str] | None = None,
    ready: Callable[[httpx.Response], bool] = answers_ok,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `args` (output to `log`) until `ready_url` answers as `ready` wants; stop it when the block ends.

    Fails with the end of the log when the process exits early or does not get ready within `timeout` seconds.
    """
    name = " ".join(Path(arg).name for arg in args[:2])  # `salient-crm --http`, `python tiny_server.py`
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
                )
            try:
                if ready(httpx.get(ready_url, timeout=1)):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{name} was not ready within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)
        yield process
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def forged_cursor(cursor: str, offset: str) -> str:
    """`cursor` (a real next_cursor) with its offset replaced by the JSON text `offset`, fingerprint kept.

    The text is spliced in raw, so a test can send numbers `json.dumps` never writes, such as `1e999`.
    """
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw = '{"o":' + offset + ',"f":' + json.dumps(data["f"]) + "}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
