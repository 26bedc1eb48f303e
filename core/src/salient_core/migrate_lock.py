"""One process at a time migrates a database.

Replicas of a server that start together on an empty database each find no schema and each create it: the second
`CREATE TABLE` fails ("already exists" on PostgreSQL and on a SQLite file alike, with four processes started at
once). So `upgrade` (migrate.py) does its work under a lock that every process sharing the database sees:

- PostgreSQL: a session-level advisory lock, held on a connection of its own for the length of the upgrade. The
  server drops it when that connection closes, so a process killed mid-migration never leaves it held. One key for
  every Salient package: packages may share one database, and each migrates core's own set.
- A SQLite file: an exclusive `flock` on a file beside it (`<file>-migrate.lock`, like SQLite's own `-wal`). SQLite's
  locks cover one statement or transaction, not the run of an Alembic upgrade. The lock ends with the descriptor.
- In-memory SQLite: no other process can see it; nothing to lock.

The process that waited finds the work done when it reads the version tables again (migrate.py).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from salient_core.db import Database

log = logging.getLogger(__name__)

# pg_advisory_lock takes a bigint; this is b"salient\0" read as one, so it is unlikely to meet another program's key.
ADVISORY_KEY = int.from_bytes(b"salient\0", "big")


@asynccontextmanager
async def migration_lock(db: Database) -> AsyncGenerator[None]:
    """Hold the database's migration lock: wait while another process holds it."""
    if not db.is_sqlite:
        async with _advisory_lock(db):
            yield
        return
    path = sqlite_file(db)
    if path is None:
        yield
        return
    async with _file_lock(path.with_name(f"{path.name}-migrate.lock"), db):
        yield


def sqlite_file(db: Database) -> Path | None:
    """The SQLite database's file, or None for an in-memory database."""
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@asynccontextmanager
async def _advisory_lock(db: Database) -> AsyncGenerator[None]:
    async with db.engine.connect() as connection:
        taken = (await connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})")).scalar_one()
        if not taken:
            log.info("waiting for another process to finish migrating %s", db.describe())
            await connection.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_KEY})")
        await connection.commit()  # the lock is the session's, not the transaction's: it outlives the commit
        try:
            yield
        finally:
            try:
                await connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
                await connection.commit()
            except BaseException:
                # A connection that may still hold the lock must not go back to the pool: closing it frees the lock.
                await connection.invalidate()
                raise


@asynccontextmanager
async def _file_lock(path: Path, db: Database) -> AsyncGenerator[None]:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another process to finish migrating %s", db.describe())
            await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock
