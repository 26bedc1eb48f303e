"""Migrations upgrade an older database in place, rows intact, on SQLite and PostgreSQL."""

from __future__ import annotations

from salient_catalog.server import CATALOG_MIGRATIONS, MIGRATIONS
from salient_core.app import CORE_MIGRATIONS
from salient_core.db import Database
from salient_core.migrate import current_revision, upgrade
from sqlalchemy import text


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
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0002"
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
        assert await current_revision(db, CATALOG_MIGRATIONS) == "catalog_0002"
    finally:
        await db.close()
