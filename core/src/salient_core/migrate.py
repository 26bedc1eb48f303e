"""Schema migrations per package, applied on start.

Every package keeps Alembic revisions in `<package>/migrations/versions/` and its own version table
(`alembic_version_<name>`), so several packages can share one database without stepping on each other.
Revisions are written by hand (`op.add_column`, `op.create_table`, ...); they must never drop a column that
holds rows without first copying them.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from salient_core.db import Database

log = logging.getLogger(__name__)

# Alembic keeps the migration being run in module globals (`alembic.context`, `alembic.op`), so two upgrades
# interleaving in one event loop (several servers starting in one process, suite.py) would run each other's steps.
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _one_at_a_time() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    return lock


@dataclass(frozen=True)
class MigrationSet:
    """The migrations of one package: where its revisions live and its version table's name."""

    name: str
    directory: Path

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    def script(self) -> ScriptDirectory:
        return ScriptDirectory(str(self.directory), version_locations=[str(self.directory / "versions")])


def _upgrade(connection: Connection, migrations: MigrationSet, target: str) -> None:
    config = Config()
    script = migrations.script()

    def steps(revision: str, _context: MigrationContext) -> list:
        return script._upgrade_revs(target, revision)  # pyright: ignore[reportPrivateUsage]

    with EnvironmentContext(config, script, fn=steps, destination_rev=target) as env:
        env.configure(
            connection=connection,
            version_table=migrations.version_table,
            render_as_batch=connection.dialect.name == "sqlite",
            transaction_per_migration=True,
        )
        with env.begin_transaction():
            env.run_migrations()


def _current(connection: Connection, migrations: MigrationSet) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
    return context.get_current_revision()


async def upgrade(db: Database, *sets: MigrationSet, target: str = "heads") -> None:
    """Bring each migration set up to `target` (default: its newest revision), in order."""
    for migrations in sets:
        async with _one_at_a_time(), db.engine.connect() as connection:
            if db.is_sqlite:
                # SQLite alters tables by copying them; with foreign keys on, dropping the old copy would
                # cascade-delete every child row. Keys are checked again once the migration is done.
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.commit()
            try:
                before = await connection.run_sync(_current, migrations)
                await connection.run_sync(_upgrade, migrations, target)
                after = await connection.run_sync(_current, migrations)
                if db.is_sqlite:
                    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        await connection.rollback()
                        raise RuntimeError(f"migration of {migrations.name} broke foreign keys: {broken[:5]}")
                await connection.commit()
            finally:
                if db.is_sqlite:
                    await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        if before != after:
            log.info("migrated %s schema %s -> %s", migrations.name, before or "empty", after)


async def current_revision(db: Database, migrations: MigrationSet) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current, migrations)
