"""Queries over the catalog tables. Each function takes a session and an account; none commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from salient_catalog.models import CatalogRevision, Category, Product, StockAdjustment, Synonym, Variant


async def get_revision(session: AsyncSession, account: str) -> int:
    query = select(CatalogRevision.revision).where(CatalogRevision.account_id == account)
    return int(await session.scalar(query) or 0)


async def bump_revision(session: AsyncSession, account: str, products: Sequence[int] = ()) -> int:
    """Mark the account's catalog as changed, and these products as changed in it; returns the new revision.

    Every process's index catches up on its next revision check: it reads the products changed since its own
    revision (see `list_index_rows`), or rebuilds when categories or synonyms changed.
    """
    result = await session.execute(
        update(CatalogRevision)
        .where(CatalogRevision.account_id == account)
        .values(revision=CatalogRevision.revision + 1)
    )
    if result.rowcount == 0:  # pyright: ignore[reportAttributeAccessIssue]
        session.add(CatalogRevision(account_id=account, revision=1))
    await session.flush()
    revision = await get_revision(session, account)
    ids = list(products)
    for start in range(0, len(ids), 500):
        await session.execute(
            update(Product)
            .where(Product.account_id == account, Product.id.in_(ids[start : start + 500]))
            .values(revision=revision)
        )
    return revision


async def list_categories(session: AsyncSession, account: str) -> list[Category]:
    query = select(Category).where(Category.account_id == account).order_by(Category.id)
    return list(await session.scalars(query))


async def list_synonyms(session: AsyncSession, account: str) -> list[Synonym]:
    return list(await session.scalars(select(Synonym).where(Synonym.account_id == account)))


async def list_index_rows(
    session: AsyncSession, account: str, *, since: int | None = None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every product and variant of the account as plain rows (no ORM objects): what the in-memory catalog holds.

    With `since`, only the products changed after that catalog revision, and their variants.
    """
    products = select(
        Product.id,
        Product.handle,
        Product.name,
        Product.brand,
        Product.category_id,
        Product.description,
        Product.tags,
        Product.attributes,
        Product.url,
        Product.images,
    ).where(Product.account_id == account)
    if since is not None:
        products = products.where(Product.revision > since)
    variants = (
        select(
            Variant.product_id,
            Variant.sku,
            Variant.title,
            Variant.price,
            Variant.compare_at_price,
            Variant.currency,
            Variant.stock,
            Variant.attributes,
        )
        .where(Variant.account_id == account)
        .order_by(Variant.product_id, Variant.position)
    )
    if since is not None:
        changed = select(Product.id).where(Product.account_id == account, Product.revision > since)
        variants = variants.where(Variant.product_id.in_(changed))
    product_rows = (await session.execute(products.order_by(Product.id))).all()
    variant_rows = (await session.execute(variants)).all()
    return [tuple(r) for r in product_rows], [tuple(r) for r in variant_rows]


async def get_products_by_ids(session: AsyncSession, account: str, ids: Sequence[int]) -> dict[int, Product]:
    if not ids:
        return {}
    query = (
        select(Product)
        .where(Product.account_id == account, Product.id.in_(ids))
        .options(selectinload(Product.variants))
    )
    return {p.id: p for p in await session.scalars(query)}


async def find_product_ids(session: AsyncSession, account: str, refs: Sequence[str]) -> dict[str, int]:
    """Map each ref (a product handle or a SKU, case-insensitive) to its product id; unknown refs are left out."""
    lowered = {r.lower(): r for r in refs}
    by_handle = select(Product.handle, Product.id).where(
        Product.account_id == account, func.lower(Product.handle).in_(lowered)
    )
    by_sku = select(Variant.sku, Variant.product_id).where(
        Variant.account_id == account, func.lower(Variant.sku).in_(lowered)
    )
    found: dict[str, int] = {}
    for key, pid in [*(await session.execute(by_handle)).all(), *(await session.execute(by_sku)).all()]:
        found.setdefault(lowered[key.lower()], pid)
    return found


async def get_variant_by_sku(session: AsyncSession, account: str, sku: str, *, lock: bool = False) -> Variant | None:
    query = (
        select(Variant)
        .where(Variant.account_id == account, func.lower(Variant.sku) == sku.lower())
        .options(selectinload(Variant.product).selectinload(Product.variants))
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def get_adjustment(session: AsyncSession, account: str, key: str) -> StockAdjustment | None:
    query = select(StockAdjustment).where(StockAdjustment.account_id == account, StockAdjustment.idempotency_key == key)
    return await session.scalar(query)


async def count_products(session: AsyncSession, account: str) -> int:
    query = select(func.count()).select_from(Product).where(Product.account_id == account)
    return int(await session.scalar(query) or 0)
