"""Queries over the local backend's tables. Each function takes a session and an account; none commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from salient_core.db import UTCDateTime
from sqlalchemy import Integer, Numeric, String, and_, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from salient_crm.backends.base import Condition, SearchQuery
from salient_crm.models import (
    Activity,
    Association,
    Company,
    Contact,
    Deal,
    IdempotencyKey,
    Lead,
    Owner,
    Pipeline,
    Profile,
    Stage,
)
from salient_crm.objects import ObjectType
from salient_crm.text_search import text_match

RecordRow = Contact | Company | Deal | Lead | Activity
MODELS: dict[ObjectType, type[RecordRow]] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
    "lead": Lead,
    "activity": Activity,
}


def int_ids(ids: Sequence[str]) -> list[int]:
    """The ids that can be local primary keys; anything else cannot name a record here."""
    return [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 18]


def column(model: type[RecordRow], name: str) -> InstrumentedAttribute[Any]:
    return getattr(model, name)


def db_value(model: type[RecordRow], name: str, value: Any) -> Any:
    """A canonical property value in the column's Python type."""
    if value is None:
        return None
    column_type = column(model, name).type
    if isinstance(column_type, Numeric):
        return Decimal(str(value))
    if isinstance(column_type, UTCDateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return value


def _condition(model: type[RecordRow], cond: Condition) -> ColumnElement[bool]:
    col = column(model, cond.field)
    is_text = isinstance(col.type, String)
    target = func.lower(col) if is_text else col

    def value(v: Any) -> Any:
        v = db_value(model, cond.field, v)
        return v.lower() if is_text and isinstance(v, str) else v

    match cond.op:
        case "eq":
            return target == value(cond.value)
        case "neq":
            return or_(target != value(cond.value), col.is_(None))
        case "gt":
            return target > value(cond.value)
        case "gte":
            return target >= value(cond.value)
        case "lt":
            return target < value(cond.value)
        case "lte":
            return target <= value(cond.value)
        case "in":
            values = cond.value if isinstance(cond.value, list) else [cond.value]
            return target.in_([value(v) for v in values])
        case "contains":
            return func.lower(col).contains(str(cond.value).lower(), autoescape=True)
        case "has_value":
            return col.is_not(None) if cond.value else col.is_(None)


def search_conditions(
    dialect: str, account: str, object_type: ObjectType, query: SearchQuery
) -> list[ColumnElement[bool]]:
    model = MODELS[object_type]
    where: list[ColumnElement[bool]] = [model.account_id == account, model.archived_at.is_(None)]
    if query.text.strip():
        where.append(text_match(dialect, object_type, model, query.text))
    where.extend(_condition(model, c) for c in query.conditions)
    return where


async def search(
    session: AsyncSession, dialect: str, account: str, object_type: ObjectType, query: SearchQuery
) -> tuple[list[RecordRow], int]:
    """One page of the account's active records matching `query`, and how many match in all.

    The words go through the text index (`text_search`); the account and archive filters are part of the same
    statement, so another account's rows and archived rows are never counted or returned.
    """
    model = MODELS[object_type]
    where = search_conditions(dialect, account, object_type, query)
    total = int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    sort = column(model, query.sort)
    # Nulls last in both directions and on both databases (SQLite and PostgreSQL disagree by default).
    order = [sort.is_(None), sort.desc() if query.descending else sort.asc(), model.id.asc()]
    rows = await session.scalars(select(model).where(*where).order_by(*order).offset(query.offset).limit(query.limit))
    return list(rows), total


async def get_many(
    session: AsyncSession, account: str, object_type: ObjectType, ids: Sequence[str], *, include_archived: bool
) -> list[RecordRow]:
    model = MODELS[object_type]
    keys = int_ids(ids)
    if not keys:
        return []
    query = select(model).where(model.account_id == account, model.id.in_(keys))
    if not include_archived:
        query = query.where(model.archived_at.is_(None))
    return list(await session.scalars(query))


async def get_one(session: AsyncSession, account: str, object_type: ObjectType, record_id: str) -> RecordRow | None:
    rows = await get_many(session, account, object_type, [record_id], include_archived=True)
    return rows[0] if rows else None


def upsert_statement(dialect: str, values: dict[str, Any]) -> Any:
    """INSERT a contact unless one with the same (account, email_key) exists; returns the new id, if any."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Contact).values(**values)
    return stmt.on_conflict_do_nothing(index_elements=["account_id", "email_key"]).returning(Contact.id)


async def get_contact_by_email_key(session: AsyncSession, account: str, email_key: str) -> Contact | None:
    return await session.scalar(select(Contact).where(Contact.account_id == account, Contact.email_key == email_key))


def claim_key_statement(dialect: str, values: dict[str, Any]) -> Any:
    """INSERT an idempotency key unless it exists; the first statement of a keyed write, so it takes the lock."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(IdempotencyKey).values(**values)
    return stmt.on_conflict_do_nothing(index_elements=["account_id", "key"]).returning(IdempotencyKey.id)


async def get_key(session: AsyncSession, account: str, key: str) -> IdempotencyKey | None:
    query = select(IdempotencyKey).where(IdempotencyKey.account_id == account, IdempotencyKey.key == key)
    return await session.scalar(query)


def _pair_filter(object_type: str, record_id: str) -> ColumnElement[bool]:
    return or_(
        and_(Association.left_type == object_type, Association.left_id == record_id),
        and_(Association.right_type == object_type, Association.right_id == record_id),
    )


async def get_association(
    session: AsyncSession, account: str, left: tuple[str, str], right: tuple[str, str]
) -> Association | None:
    query = select(Association).where(
        Association.account_id == account,
        Association.left_type == left[0],
        Association.left_id == left[1],
        Association.right_type == right[0],
        Association.right_id == right[1],
    )
    return await session.scalar(query)


async def list_associations(session: AsyncSession, account: str, object_type: str, record_id: str) -> list[Association]:
    query = select(Association).where(Association.account_id == account, _pair_filter(object_type, record_id))
    return list(await session.scalars(query.order_by(Association.id)))


async def list_associations_of(
    session: AsyncSession, account: str, object_type: str, record_ids: Sequence[str]
) -> list[Association]:
    """The links of any of these records of one type, in the order they were made."""
    query = select(Association).where(
        Association.account_id == account,
        or_(
            and_(Association.left_type == object_type, Association.left_id.in_(record_ids)),
            and_(Association.right_type == object_type, Association.right_id.in_(record_ids)),
        ),
    )
    return list(await session.scalars(query.order_by(Association.id)))


async def timeline(
    session: AsyncSession,
    account: str,
    ref: tuple[str, str],
    *,
    types: Sequence[str],
    since: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[Activity], int]:
    # "activity" sorts before every other type, so an activity is always the left side of its links.
    linked = select(cast(Association.left_id, Integer)).where(
        Association.account_id == account,
        Association.left_type == "activity",
        Association.right_type == ref[0],
        Association.right_id == ref[1],
    )
    where = [Activity.account_id == account, Activity.archived_at.is_(None), Activity.id.in_(linked)]
    if types:
        where.append(Activity.type.in_(list(types)))
    if since is not None:
        where.append(Activity.occurred_at >= since)
    total = int(await session.scalar(select(func.count()).select_from(Activity).where(*where)) or 0)
    query = select(Activity).where(*where).order_by(Activity.occurred_at.desc(), Activity.id.desc())
    return list(await session.scalars(query.offset(offset).limit(limit))), total


async def list_owners(session: AsyncSession, account: str) -> list[Owner]:
    return list(await session.scalars(select(Owner).where(Owner.account_id == account).order_by(Owner.name)))


async def list_pipelines(session: AsyncSession, account: str) -> list[tuple[Pipeline, list[Stage]]]:
    pipelines = await session.scalars(
        select(Pipeline).where(Pipeline.account_id == account).order_by(Pipeline.position, Pipeline.id)
    )
    stages = await session.scalars(select(Stage).where(Stage.account_id == account).order_by(Stage.position))
    by_pipeline: dict[int, list[Stage]] = {}
    for stage in stages:
        by_pipeline.setdefault(stage.pipeline_id, []).append(stage)
    return [(p, by_pipeline.get(p.id, [])) for p in pipelines]


async def get_profile(session: AsyncSession, account: str, contact_id: str) -> Profile | None:
    query = select(Profile).where(Profile.account_id == account, Profile.contact_id == contact_id)
    return await session.scalar(query)


async def get_profiles(session: AsyncSession, account: str, contact_ids: Sequence[str]) -> list[Profile]:
    query = select(Profile).where(Profile.account_id == account, Profile.contact_id.in_(contact_ids))
    return list(await session.scalars(query))


async def count_contacts(session: AsyncSession, account: str) -> int:
    query = select(func.count()).select_from(Contact).where(Contact.account_id == account)
    return int(await session.scalar(query) or 0)
