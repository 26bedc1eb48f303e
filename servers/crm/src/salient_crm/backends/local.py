"""The local backend: records in the server's own database (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from salient_core.db import Database, utcnow
from salient_core.errors import key_reused
from sqlalchemy.exc import IntegrityError

from salient_crm import models
from salient_crm import repository as repo
from salient_crm.backends.base import Idempotency, Properties, SearchQuery
from salient_crm.errors import UnknownRecord
from salient_crm.objects import FIELDS, ObjectType
from salient_crm.schemas import (
    Consent,
    Owner,
    Pipeline,
    Profile,
    PropertyValue,
    Record,
    Ref,
    Stage,
    UpsertResult,
    WriteResult,
)


def _json(value: Any) -> PropertyValue:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def to_record(object_type: ObjectType, row: repo.RecordRow) -> Record:
    return Record(
        id=str(row.id),
        object_type=object_type,
        properties={f.name: _json(getattr(row, f.name)) for f in FIELDS[object_type]},
        created_at=row.created_at,
        updated_at=row.updated_at,
        archived=row.archived_at is not None,
    )


def _profile(row: models.Profile) -> Profile:
    history = [Consent.model_validate(c) for c in row.consent_history]
    return Profile(
        contact_id=row.contact_id,
        interests=list(row.interests),
        preferences=dict(row.preferences),
        consent=history[-1] if history else None,
        consent_history=history,
        updated_at=row.updated_at,
    )


def _pair(left: Ref, right: Ref) -> tuple[tuple[str, str], tuple[str, str]]:
    """Associations are undirected: store each pair once, in the order of its types."""
    a, b = sorted([(left.object_type, left.id), (right.object_type, right.id)])
    return a, b


class LocalBackend:
    name = "local"

    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, account: str, object_type: ObjectType, query: SearchQuery) -> tuple[list[Record], int]:
        async with self.db.session(account=account) as session:
            rows, total = await repo.search(session, self.db.dialect, account, object_type, query)
        return [to_record(object_type, r) for r in rows], total

    async def get(
        self, account: str, object_type: ObjectType, ids: Sequence[str], *, include_archived: bool = False
    ) -> dict[str, Record]:
        async with self.db.session(account=account) as session:
            rows = await repo.get_many(session, account, object_type, ids, include_archived=include_archived)
        return {str(r.id): to_record(object_type, r) for r in rows}

    async def get_linked(self, account: str, object_type: ObjectType, ids: Sequence[str]) -> dict[str, Record]:
        """One session and three selects (records, their links, contacts' profiles), whatever the number of ids."""
        async with self.db.session(account=account) as session:
            rows = await repo.get_many(session, account, object_type, ids, include_archived=False)
            found = [str(r.id) for r in rows]
            links = await repo.list_associations_of(session, account, object_type, found) if found else []
            profiles = (
                {p.contact_id: p for p in await repo.get_profiles(session, account, found)}
                if object_type == "contact" and found
                else {}
            )
        linked: dict[str, dict[str, list[str]]] = {record_id: {} for record_id in found}
        for link in links:  # in link order, as `associations` lists them
            if link.left_type == object_type and link.left_id in linked:
                linked[link.left_id].setdefault(link.right_type, []).append(link.right_id)
            elif link.right_type == object_type and link.right_id in linked:
                linked[link.right_id].setdefault(link.left_type, []).append(link.left_id)
            if (
                link.left_type == link.right_type == object_type
                and link.left_id != link.right_id
                and link.left_id in linked
                and link.right_id in linked
            ):  # two of the records asked for, linked to each other: each lists the other
                linked[link.right_id].setdefault(link.left_type, []).append(link.left_id)
        records: dict[str, Record] = {}
        for row in rows:
            record_id = str(row.id)
            update: dict[str, Any] = {"associations": linked[record_id]}
            if object_type == "contact":
                profile = profiles.get(record_id)
                update["profile"] = _profile(profile) if profile is not None else None
            records[record_id] = to_record(object_type, row).model_copy(update=update)
        return records

    async def create(
        self,
        account: str,
        object_type: ObjectType,
        properties: Properties,
        *,
        associations: Sequence[Ref] = (),
        idempotency: Idempotency | None = None,
    ) -> WriteResult:
        model = repo.MODELS[object_type]
        async with self.db.transaction(account=account) as session:
            claim: int | None = None
            if idempotency is not None:
                values = {
                    "account_id": account,
                    "key": idempotency.key,
                    "operation": idempotency.operation,
                    "fingerprint": idempotency.fingerprint,
                    "object_type": object_type,
                    "record_id": "",
                    "created_at": utcnow(),
                }
                claim = await session.scalar(repo.claim_key_statement(self.db.dialect, values))
                if claim is None:
                    return await self._replay(session, account, idempotency)
            now = utcnow()
            row = model(account_id=account, created_at=now, updated_at=now)
            for name, value in properties.items():
                setattr(row, name, repo.db_value(model, name, value))
            session.add(row)
            await session.flush()
            ref = Ref(object_type=object_type, id=str(row.id))
            for other in associations:
                left, right = _pair(ref, other)
                session.add(
                    models.Association(
                        account_id=account, left_type=left[0], left_id=left[1], right_type=right[0], right_id=right[1]
                    )
                )
            if claim is not None:
                key = await repo.get_key(session, account, idempotency.key) if idempotency else None
                assert key is not None
                key.record_id = ref.id
            await session.flush()
            return WriteResult(record=to_record(object_type, row))

    async def _replay(self, session: Any, account: str, idempotency: Idempotency) -> WriteResult:
        previous = await repo.get_key(session, account, idempotency.key)
        assert previous is not None  # the claim failed because this row exists
        if previous.operation != idempotency.operation or previous.fingerprint != idempotency.fingerprint:
            raise key_reused(idempotency.key, f"for a different {previous.operation} call")
        object_type: ObjectType = previous.object_type  # pyright: ignore[reportAssignmentType]
        row = await repo.get_one(session, account, object_type, previous.record_id)
        if row is None:
            raise UnknownRecord(object_type, previous.record_id)
        return WriteResult(record=to_record(object_type, row), replayed=True)

    async def update(self, account: str, object_type: ObjectType, record_id: str, properties: Properties) -> Record:
        model = repo.MODELS[object_type]
        async with self.db.transaction(account=account) as session:
            row = await repo.get_one(session, account, object_type, record_id)
            if row is None:
                raise UnknownRecord(object_type, record_id)
            for name, value in properties.items():
                setattr(row, name, repo.db_value(model, name, value))
            row.updated_at = utcnow()
            await session.flush()
            return to_record(object_type, row)

    async def archive(self, account: str, object_type: ObjectType, record_id: str) -> Record:
        async with self.db.transaction(account=account) as session:
            row = await repo.get_one(session, account, object_type, record_id)
            if row is None:
                raise UnknownRecord(object_type, record_id)
            row.archived_at = row.updated_at = utcnow()
            await session.flush()
            return to_record(object_type, row)

    async def upsert_contact(self, account: str, email: str, properties: Properties) -> UpsertResult:
        key = email.lower()
        now = utcnow()
        async with self.db.transaction(account=account) as session:
            # Insert-or-nothing first: it takes the write lock at once (SQLite) or waits for a concurrent insert
            # of the same address to commit (PostgreSQL), so twenty racing calls still make one contact.
            values = {"account_id": account, "email": email, "email_key": key, "created_at": now, "updated_at": now}
            values |= {k: repo.db_value(models.Contact, k, v) for k, v in properties.items()}
            new_id = await session.scalar(repo.upsert_statement(self.db.dialect, values))
            row = await repo.get_contact_by_email_key(session, account, key)
            assert row is not None
            if new_id is not None:
                return UpsertResult(contact=to_record("contact", row), created=True, updated_fields=sorted(properties))
            changed = [k for k, v in properties.items() if getattr(row, k) != v]
            for name in changed:
                setattr(row, name, properties[name])
            if row.archived_at is not None:  # the address comes back: restore the contact instead of a twin
                row.archived_at = None
                changed.append("archived")
            if changed:
                row.updated_at = now
            await session.flush()
            return UpsertResult(contact=to_record("contact", row), created=False, updated_fields=sorted(changed))

    async def associate(self, account: str, left: Ref, right: Ref) -> bool:
        a, b = _pair(left, right)
        try:
            async with self.db.transaction(account=account) as session:
                if await repo.get_association(session, account, a, b) is not None:
                    return False
                session.add(
                    models.Association(account_id=account, left_type=a[0], left_id=a[1], right_type=b[0], right_id=b[1])
                )
                await session.flush()
        except IntegrityError:  # a concurrent call linked them first
            return False
        return True

    async def associations(self, account: str, ref: Ref) -> dict[str, list[str]]:
        async with self.db.session(account=account) as session:
            links = await repo.list_associations(session, account, ref.object_type, ref.id)
        linked: dict[str, list[str]] = {}
        for link in links:
            mine = link.left_type == ref.object_type and link.left_id == ref.id
            other_type, other_id = (link.right_type, link.right_id) if mine else (link.left_type, link.left_id)
            linked.setdefault(other_type, []).append(other_id)
        return linked

    async def timeline(
        self,
        account: str,
        ref: Ref,
        *,
        types: Sequence[str],
        since: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Record], int]:
        async with self.db.session(account=account) as session:
            rows, total = await repo.timeline(
                session, account, (ref.object_type, ref.id), types=types, since=since, offset=offset, limit=limit
            )
        return [to_record("activity", r) for r in rows], total

    async def owners(self, account: str) -> list[Owner]:
        async with self.db.session(account=account) as session:
            rows = await repo.list_owners(session, account)
        return [
            Owner(id=o.key, name=o.name, email=o.email, role=o.role, time_zone=o.time_zone, teams=list(o.teams))
            for o in rows
        ]

    async def pipelines(self, account: str) -> list[Pipeline]:
        async with self.db.session(account=account) as session:
            rows = await repo.list_pipelines(session, account)
        return [
            Pipeline(
                id=p.key,
                label=p.label,
                stages=[
                    Stage(
                        id=s.key,
                        label=s.label,
                        position=s.position,
                        probability=s.probability,
                        closed=s.closed,
                        won=s.won,
                    )
                    for s in stages
                ],
            )
            for p, stages in rows
        ]

    async def get_profile(self, account: str, contact_id: str) -> Profile | None:
        async with self.db.session(account=account) as session:
            row = await repo.get_profile(session, account, contact_id)
        return _profile(row) if row is not None else None

    async def save_profile(self, account: str, profile: Profile) -> Profile:
        async with self.db.transaction(account=account) as session:
            row = await repo.get_profile(session, account, profile.contact_id)
            if row is None:
                row = models.Profile(account_id=account, contact_id=profile.contact_id)
                session.add(row)
            row.interests = list(profile.interests)
            row.preferences = dict(profile.preferences)
            row.consent_history = [c.model_dump(mode="json") for c in profile.consent_history]
            row.updated_at = utcnow()
            await session.flush()
        return profile.model_copy(update={"updated_at": row.updated_at})

    async def load_reference(self, account: str, owners: Sequence[Owner], pipelines: Sequence[Pipeline]) -> None:
        """Write the account's sales reps and deal pipelines, unless it has some already."""
        async with self.db.transaction(account=account) as session:
            if not await repo.list_owners(session, account):
                for o in owners:
                    session.add(
                        models.Owner(
                            account_id=account,
                            key=o.id,
                            name=o.name,
                            email=o.email,
                            role=o.role,
                            time_zone=o.time_zone,
                            teams=list(o.teams),
                        )
                    )
            if not await repo.list_pipelines(session, account):
                for position, p in enumerate(pipelines):
                    pipeline = models.Pipeline(account_id=account, key=p.id, label=p.label, position=position)
                    session.add(pipeline)
                    await session.flush()
                    for s in p.stages:
                        session.add(
                            models.Stage(
                                account_id=account,
                                pipeline_id=pipeline.id,
                                key=s.id,
                                label=s.label,
                                position=s.position,
                                probability=s.probability,
                                closed=s.closed,
                                won=s.won,
                            )
                        )
            await session.flush()
