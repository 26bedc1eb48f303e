"""Helpers the tests share: databases, in-process HTTP servers, stdio subprocesses."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import uvicorn
from starlette.types import ASGIApp

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SALIENT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


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
    """Run `app` under a real uvicorn on a free loopback port; yields the base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def console_script(name: str) -> str:
    """Path of an installed console script in this virtual environment."""
    return str(Path(sys.executable).parent / name)
