"""Queries over the sources table. Each function takes a session and an account; none commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salient_library.models import Source


async def get(session: AsyncSession, account: str, source_id: str) -> Source | None:
    return await session.scalar(select(Source).where(Source.account_id == account, Source.id == source_id))


async def get_by_origin(session: AsyncSession, account: str, collection: str, origin: str) -> Source | None:
    query = select(Source).where(Source.account_id == account, Source.collection == collection, Source.origin == origin)
    return await session.scalar(query)


@dataclass(frozen=True)
class Fingerprint:
    """What re-ingestion compares, without loading a source's text."""

    id: str
    content_hash: str
    status: str
    tags: list[str]
    via: str | None


async def fingerprints(session: AsyncSession, account: str, collection: str) -> dict[str, Fingerprint]:
    """Origin -> fingerprint of every source in the collection, in one query."""
    query = select(Source.origin, Source.id, Source.content_hash, Source.status, Source.tags, Source.via).where(
        Source.account_id == account, Source.collection == collection
    )
    rows = (await session.execute(query)).all()
    return {
        origin: Fingerprint(sid, digest, status, list(tags or []), via)
        for origin, sid, digest, status, tags, via in rows
    }


async def list_in_collection(session: AsyncSession, account: str, collection: str) -> list[tuple[str, str, str | None]]:
    """(id, origin, via) of every source in the collection, by origin."""
    query = select(Source.id, Source.origin, Source.via).where(
        Source.account_id == account, Source.collection == collection
    )
    return [(sid, origin, via) for sid, origin, via in (await session.execute(query.order_by(Source.origin))).all()]


async def page(
    session: AsyncSession, account: str, collection: str | None, *, offset: int, limit: int
) -> tuple[list[Source], int]:
    where = [Source.account_id == account]
    if collection is not None:
        where.append(Source.collection == collection)
    total = int(await session.scalar(select(func.count()).select_from(Source).where(*where)) or 0)
    query = select(Source).where(*where).order_by(Source.collection, Source.title, Source.id)
    return list(await session.scalars(query.offset(offset).limit(limit))), total


async def collections(session: AsyncSession, account: str) -> list[tuple[str, int, int]]:
    """(name, sources, chunks) for each collection of the account."""
    query = (
        select(Source.collection, func.count(), func.coalesce(func.sum(Source.chunk_count), 0))
        .where(Source.account_id == account)
        .group_by(Source.collection)
        .order_by(Source.collection)
    )
    return [(name, int(n), int(chunks)) for name, n, chunks in (await session.execute(query)).all()]


async def collection_state(session: AsyncSession, account: str, collection: str) -> tuple[int, str]:
    """A cheap fingerprint of a collection's contents, so cached lexical indexes know when to rebuild."""
    query = select(func.count(), func.max(Source.updated_at), func.coalesce(func.sum(Source.chunk_count), 0)).where(
        Source.account_id == account, Source.collection == collection
    )
    row = (await session.execute(query)).one()
    return int(row[0]), f"{row[1]}|{row[2]}"


async def ids_matching(
    session: AsyncSession, account: str, collection: str, *, ids: Sequence[str] | None, tags: Sequence[str] | None
) -> list[str]:
    """Ids of the collection's sources among `ids` and carrying any of `tags` (each filter only when given)."""
    query = select(Source.id, Source.tags).where(Source.account_id == account, Source.collection == collection)
    if ids is not None:
        query = query.where(Source.id.in_(list(ids)))
    wanted = set(tags or [])
    rows = (await session.execute(query)).all()
    return [sid for sid, source_tags in rows if not wanted or wanted & set(source_tags or [])]
