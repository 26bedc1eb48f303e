"""A session scoped to an account sees only that account's rows, even through a query with no filter."""

from __future__ import annotations

from catalog_support import load
from salient_catalog.models import Product, Variant
from salient_core.db import Database
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload


async def test_scoped_session_filters_every_select(db_url: str) -> None:
    await load(db_url, account="demo")
    await load(db_url, account="acme")
    db = Database(db_url)
    try:
        async with db.session() as unscoped:
            assert await unscoped.scalar(select(func.count()).select_from(Product)) == 12
        async with db.session(account="acme") as session:
            products = (await session.scalars(select(Product).options(selectinload(Product.variants)))).all()
            assert len(products) == 6
            assert {p.account_id for p in products} == {"acme"}
            assert {v.account_id for p in products for v in p.variants} == {"acme"}
            skus = (await session.scalars(select(Variant.sku).where(Variant.sku == "BW-TITAN"))).all()
            assert skus == ["BW-TITAN"]  # one row, not one per account
        async with db.session(account="nobody") as session:
            assert (await session.scalars(select(Product))).all() == []
    finally:
        await db.close()
