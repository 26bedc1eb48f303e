"""Queries over crossfeed's tables. Each function takes a session and an account; none commits.

Counts are added with one `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n` per batch, so two imports
running at once both land in full instead of one overwriting the other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from salient_crossfeed.mining import Counts
from salient_crossfeed.models import (
    CustomerProduct,
    ItemCount,
    Order,
    OrderTotal,
    PairCount,
    Product,
    RepCursor,
)

BATCH = 500


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _add_rows(session: AsyncSession, model: Any, keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert count rows, or add their `orders` to the rows already there."""
    for start in range(0, len(rows), BATCH):
        statement = _insert(session)(model).values(rows[start : start + BATCH])
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={"orders": model.orders + statement.excluded.orders}
        )
        await session.execute(statement)


async def add_counts(session: AsyncSession, account: str, counts: Counts, owned: Counter[tuple[str, str]]) -> None:
    """Add the counts of newly imported orders to the account's running totals."""
    if counts.orders == 0:
        return
    await _add_rows(session, OrderTotal, ["account_id"], [{"account_id": account, "orders": counts.orders}])
    items = [{"account_id": account, "product": p, "orders": n} for p, n in sorted(counts.items.items())]
    await _add_rows(session, ItemCount, ["account_id", "product"], items)
    pairs = [{"account_id": account, "a": a, "b": b, "orders": n} for (a, b), n in sorted(counts.pairs.items())]
    await _add_rows(session, PairCount, ["account_id", "a", "b"], pairs)
    customers = [
        {"account_id": account, "customer": c, "product": p, "orders": n} for (c, p), n in sorted(owned.items())
    ]
    await _add_rows(session, CustomerProduct, ["account_id", "customer", "product"], customers)


async def order_total(session: AsyncSession, account: str) -> int:
    return int(await session.scalar(select(OrderTotal.orders).where(OrderTotal.account_id == account)) or 0)


async def pairs_with(session: AsyncSession, account: str, products: Sequence[str]) -> dict[tuple[str, str], int]:
    """Pair counts of every pair that holds one of `products`."""
    if not products:
        return {}
    query = select(PairCount.a, PairCount.b, PairCount.orders).where(
        PairCount.account_id == account, or_(PairCount.a.in_(products), PairCount.b.in_(products))
    )
    return {(a, b): n for a, b, n in (await session.execute(query)).all()}


async def item_counts(session: AsyncSession, account: str, products: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(products))
    if not wanted:
        return {}
    query = select(ItemCount.product, ItemCount.orders).where(
        ItemCount.account_id == account, ItemCount.product.in_(wanted)
    )
    return {p: n for p, n in (await session.execute(query)).all()}


async def all_counts(session: AsyncSession, account: str) -> Counts:
    """Every count of the account, for checks and benchmarks."""
    counts = Counts(orders=await order_total(session, account))
    items = select(ItemCount.product, ItemCount.orders).where(ItemCount.account_id == account)
    counts.items.update({p: n for p, n in (await session.execute(items)).all()})
    pairs = select(PairCount.a, PairCount.b, PairCount.orders).where(PairCount.account_id == account)
    counts.pairs.update({(a, b): n for a, b, n in (await session.execute(pairs)).all()})
    return counts


async def owned_by(session: AsyncSession, account: str, customer: str) -> list[str]:
    query = (
        select(CustomerProduct.product)
        .where(CustomerProduct.account_id == account, func.lower(CustomerProduct.customer) == customer.lower())
        .order_by(CustomerProduct.product)
    )
    return list(await session.scalars(query))


async def order_digests(session: AsyncSession, account: str, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(keys), BATCH):
        query = select(Order.order_key, Order.digest).where(
            Order.account_id == account, Order.order_key.in_(keys[start : start + BATCH])
        )
        found.update({k: d for k, d in (await session.execute(query)).all()})
    return found


async def list_products(session: AsyncSession, account: str) -> list[Product]:
    query = select(Product).where(Product.account_id == account).order_by(Product.product, Product.price, Product.sku)
    return list(await session.scalars(query))


async def advance_cursor(session: AsyncSession, account: str, territory: str, role: str, *, peek: bool) -> int:
    """The next round-robin position for (territory, role): 1, 2, 3, ...; `peek` reads it without moving it.

    Advancing is one atomic upsert that returns the new position, so concurrent callers each get their own.
    """
    if peek:
        query = select(RepCursor.position).where(
            RepCursor.account_id == account, RepCursor.territory == territory, RepCursor.role == role
        )
        return int(await session.scalar(query) or 0) + 1
    statement = _insert(session)(RepCursor).values(account_id=account, territory=territory, role=role, position=1)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "territory", "role"], set_={"position": RepCursor.position + 1}
    ).returning(RepCursor.position)
    return int((await session.execute(statement)).scalar_one())
