"""Migrations upgrade an older database in place, rows intact, on SQLite and PostgreSQL; a current one costs one
query."""

from __future__ import annotations

import salient_catalog.server
import salient_crm.server
import salient_crossfeed.server
import salient_library.server
import salient_scheduling.server
from salient_catalog.server import CATALOG_MIGRATIONS, MIGRATIONS
from salient_core.app import CORE_MIGRATIONS
from salient_core.db import Database
from salient_core.migrate import current_revision, is_current, upgrade
from salient_host.mail import MAIL_MIGRATIONS
from salient_host.memory.store import MIGRATIONS as HOST_MIGRATIONS
from sqlalchemy import event, text

SERVERS = [
    salient_catalog.server,
    salient_crm.server,
    salient_crossfeed.server,
    salient_library.server,
    salient_scheduling.server,
]


async def test_upgrade_from_first_catalog_schema_keeps_rows(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, CORE_MIGRATIONS)
        await upgrade(db, CATALOG_MIGRATIONS, target="catalog_0001")
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0001"
        async with db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO categories (id, account_id, slug, name, description) "
                    "VALUES (1, 'demo', 'canes', 'Canes', '')"
                )
            )
            await session.execute(
                text(
                    "INSERT INTO products (id, account_id, handle, name, brand, category_id, description, images,"
                    " attributes, content_hash, created_at, updated_at) VALUES (1, 'demo', 'old-cane', 'Old Cane',"
                    " 'Drive', 1, 'made before tags existed', '[]', '{\"foldable\": true}', 'h',"
                    " '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
            await session.execute(
                text(
                    "INSERT INTO variants (account_id, product_id, sku, title, price, currency, stock, attributes,"
                    " position) VALUES ('demo', 1, 'OLD-1', '', 19.99, 'USD', 4, '{}', 0)"
                )
            )

        await upgrade(db, *MIGRATIONS)
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0003"
        async with db.session() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT p.name, p.tags, p.attributes, v.sku, v.price, v.stock FROM products p "
                        "JOIN variants v ON v.product_id = p.id"
                    )
                )
            ).one()
        name, tags, attributes, sku, price, stock = row
        assert (name, sku, str(price), stock) == ("Old Cane", "OLD-1", "19.99", 4)
        assert tags in ("[]", [])  # new column, filled for old rows
        assert attributes in ('{"foldable": true}', {"foldable": True})
        await upgrade(db, *MIGRATIONS)  # a second start changes nothing
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0003"
    finally:
        await db.close()


async def test_a_current_schema_is_checked_in_one_query_and_anything_older_is_migrated(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert not await is_current(db, *MIGRATIONS)  # no version tables yet
        await upgrade(db, CORE_MIGRATIONS)
        await upgrade(db, CATALOG_MIGRATIONS, target="catalog_0001")
        assert not await is_current(db, *MIGRATIONS)  # catalog one revision behind
        await upgrade(db, *MIGRATIONS)
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0003"
        assert await is_current(db, *MIGRATIONS)

        statements: list[str] = []

        def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            statements.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        await upgrade(db, *MIGRATIONS)  # the next start
        assert len(statements) == 1 and "alembic_version_catalog" in statements[0]
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0003"
    finally:
        await db.close()


def test_the_newest_revisions_read_from_the_files_are_alembics() -> None:
    sets = [
        CORE_MIGRATIONS,
        *(migrations for server in SERVERS for migrations in server.MIGRATIONS),
        MAIL_MIGRATIONS,
        HOST_MIGRATIONS,
    ]
    for migrations in sets:
        heads = migrations.heads()
        assert heads is not None and heads == set(migrations.script().get_heads()), migrations.name
