"""Schema migrations per package, applied on start.

Every package keeps Alembic revisions in `<package>/migrations/versions/` and its own version table
(`alembic_version_<name>`), so several packages can share one database without stepping on each other.
Revisions are written by hand (`op.add_column`, `op.create_table`, ...); they must never drop a column that
holds rows without first copying them.

A server checks its schema on every start, and it is nearly always current. So `upgrade` first reads every version
table in one query and compares them with the newest revisions named in the revision files (read as text, not run);
only when something differs, or cannot be read, does Alembic load and do the work. Alembic (with Mako and Pygments)
is therefore imported only then: most starts never need it.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from salient_core.db import Database
from salient_core.migrate_lock import migration_lock

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
        from alembic.script import ScriptDirectory  # Alembic only when a schema is migrated: see the module docstring

        return ScriptDirectory(str(self.directory), version_locations=[str(self.directory / "versions")])

    def heads(self) -> frozenset[str] | None:
        """The newest revisions, read from the revision files' text; None when a file does not say plainly."""
        return _heads(self.directory / "versions")


@cache
def _heads(versions: Path) -> frozenset[str] | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        found = _revision_names(path)
        if found is None:
            return None
        revision, down_revision = found
        revisions.add(revision)
        parents.update(down_revision)
    return frozenset(revisions - parents) if revisions else None


def _revision_names(path: Path) -> tuple[str, tuple[str, ...]] | None:
    """`revision` and `down_revision` of one revision file, as literals at its top level (None if not so)."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                return None
    revision, down = values.get("revision"), values.get("down_revision")
    if not isinstance(revision, str):
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in cast(tuple[Any, ...] | list[Any], down)):
        return revision, tuple(cast(tuple[str, ...] | list[str], down))
    return None


async def is_current(db: Database, *sets: MigrationSet) -> bool:
    """True when every set's version table holds exactly its newest revisions: one query, no Alembic."""
    wanted = [migrations.heads() for migrations in sets]
    if not sets or any(heads is None for heads in wanted):
        return False
    async with db.engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        query = " UNION ALL ".join(
            f"SELECT {i} AS n, version_num FROM {quote(migrations.version_table)}" for i, migrations in enumerate(sets)
        )
        try:
            rows = cast(list[tuple[int, str]], (await connection.exec_driver_sql(query)).all())
        except DBAPIError:  # a version table not there yet: a new database, or a new set
            await connection.rollback()
            return False
    found: list[set[str]] = [set() for _ in sets]
    for n, version in rows:
        found[n].add(version)
    return all(frozenset(have) == heads for have, heads in zip(found, wanted, strict=True))


def _upgrade(connection: Connection, migrations: MigrationSet, target: str) -> None:
    # Alembic only when a schema is migrated: see the module docstring.
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    config = Config()
    script = migrations.script()

    def steps(revision: str, _context: MigrationContext) -> list[Any]:
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
    from alembic.runtime.migration import MigrationContext  # see _upgrade

    context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
    return context.get_current_revision()


async def upgrade(db: Database, *sets: MigrationSet, target: str = "heads") -> None:
    """Bring each migration set up to `target` (default: its newest revision), in order.

    Safe to call from several processes at once on one database: the work runs under its migration lock
    (migrate_lock.py), and whoever waited for it reads the version tables again before doing anything.
    """
    if target == "heads" and await is_current(db, *sets):
        return
    async with _one_at_a_time(), migration_lock(db):
        if target == "heads" and await is_current(db, *sets):
            return  # another process migrated while this one waited
        for migrations in sets:
            await _upgrade_one(db, migrations, target)


async def _upgrade_one(db: Database, migrations: MigrationSet, target: str) -> None:
    async with db.engine.connect() as connection:
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
