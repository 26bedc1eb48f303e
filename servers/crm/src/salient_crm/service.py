"""The CRM's operations, below the MCP layer: each validates, then asks the configured backend.

Each method takes the caller's account first. Nothing reaches a backend before every argument is checked, so a
refused request changes nothing on either backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from salient_core.db import utcnow
from salient_core.errors import InvalidInput
from salient_core.pagination import PageRequest

from salient_crm import validation as check
from salient_crm.backends.base import Backend, Idempotency, Properties, SearchQuery
from salient_crm.errors import AlreadyArchived, ConsentRequired, UnknownRecord
from salient_crm.objects import ACTIVITY_TYPES, ASSOCIABLE, FIELDS, OBJECT_TYPES, ActivityType, ObjectType
from salient_crm.schemas import (
    ArchiveResult,
    Association,
    Consent,
    FieldChange,
    FieldInfo,
    ObjectInfo,
    OwnerList,
    Pipeline,
    PipelineList,
    Profile,
    PropertyValue,
    Record,
    RecordList,
    RecordPage,
    Ref,
    SchemaInfo,
    StageMove,
    UpdateResult,
    UpsertResult,
    WriteResult,
)


class CrmService:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- reading -----------------------------------------------------------------------------------------

    async def describe_schema(self, account: str) -> SchemaInfo:
        objects = [
            ObjectInfo(
                object_type=t,
                fields=[
                    FieldInfo(
                        name=f.name,
                        type=f.type,
                        description=f.description,
                        options=list(f.options),
                        writable=f.writable,
                    )
                    for f in FIELDS[t]
                ],
                associates_with=sorted(ASSOCIABLE[t]),
            )
            for t in OBJECT_TYPES
        ]
        pipelines = await self.backend.pipelines(account)
        return SchemaInfo(
            backend=self.backend.name, objects=objects, activity_types=list(ACTIVITY_TYPES), pipelines=pipelines
        )

    async def search(
        self,
        account: str,
        object_type: ObjectType,
        *,
        query: str,
        filters: dict[str, Any],
        sort: str,
        limit: int,
        cursor: str | None,
    ) -> RecordPage:
        conditions = check.conditions(object_type, filters)
        sort_field, descending = check.sort_key(object_type, sort)
        at = PageRequest.from_cursor(
            cursor, account=account, query=["search", object_type, query, filters, sort], limit=limit
        )
        search = SearchQuery(query, conditions, sort_field, descending, at.offset, limit)
        records, total = await self.backend.search(account, object_type, search)
        return RecordPage(items=records, total=total, next_cursor=at.next_cursor(total))

    async def get_records(self, account: str, object_type: ObjectType, ids: Sequence[str]) -> RecordList:
        wanted = list(dict.fromkeys(ids))
        found = await self.backend.get_linked(account, object_type, wanted)
        return RecordList(
            records=[found[i] for i in wanted if i in found], missing=[i for i in wanted if i not in found]
        )

    async def _require(self, account: str, ref: Ref) -> Record:
        found = await self.backend.get(account, ref.object_type, [ref.id], include_archived=True)
        record = found.get(ref.id)
        if record is None:
            raise UnknownRecord(ref.object_type, ref.id)
        return record

    async def _require_active(self, account: str, ref: Ref) -> Record:
        record = await self._require(account, ref)
        if record.archived:
            raise InvalidInput(
                f"The {ref.object_type} {ref.id!r} is archived.", hint="Use an active record (search_records)."
            )
        return record

    async def _check_owner(self, account: str, properties: Properties) -> None:
        owner = properties.get("owner_id")
        if owner is None:
            return
        owners = await self.backend.owners(account)
        if owner not in {o.id for o in owners}:
            raise InvalidInput(f"No owner {owner!r} in this CRM.", hint="Call find_owner to get a rep's id.")

    async def find_owner(self, account: str, query: str) -> OwnerList:
        owners = await self.backend.owners(account)
        words = query.lower().split()
        matches = [
            o
            for o in owners
            if all(any(w in text.lower() for text in (o.id, o.name, o.email, o.role, *o.teams)) for w in words)
        ]
        return OwnerList(owners=matches)

    async def list_pipelines(self, account: str) -> PipelineList:
        return PipelineList(pipelines=await self.backend.pipelines(account))

    async def list_activities(
        self,
        account: str,
        ref: Ref,
        *,
        types: Sequence[ActivityType],
        since: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> RecordPage:
        at = PageRequest.from_cursor(
            cursor, account=account, query=["timeline", ref.object_type, ref.id, sorted(types), since], limit=limit
        )
        if since is not None:
            since = check.parse_datetime(since, "since")
        await self._require(account, ref)
        items, total = await self.backend.timeline(
            account, ref, types=types, since=since, offset=at.offset, limit=limit
        )
        return RecordPage(items=items, total=total, next_cursor=at.next_cursor(total))

    # -- writing -----------------------------------------------------------------------------------------

    async def upsert_contact(self, account: str, email: str, properties: dict[str, Any]) -> UpsertResult:
        address = check.normalise_email(email)
        values: dict[str, PropertyValue] = {
            k: v for k, v in check.writable_properties("contact", properties).items() if v is not None
        }
        await self._check_owner(account, values)
        return await self.backend.upsert_contact(account, address, values)

    async def create_record(
        self,
        account: str,
        object_type: ObjectType,
        properties: dict[str, Any],
        *,
        associations: Sequence[Ref],
        pipeline: str | None,
        stage: str | None,
        idempotency_key: str,
    ) -> WriteResult:
        if object_type not in ("company", "deal"):
            raise InvalidInput(
                f"create_record makes companies and deals, not a {object_type}.",
                hint="Contacts: upsert_contact. Leads: create_lead. Activities: log_activity.",
            )
        values = check.writable_properties(object_type, properties)
        await self._check_owner(account, values)
        if object_type == "deal":
            chosen = await self._pipeline(account, pipeline)
            stage_id = stage or chosen.stages[0].id
            self._stage_in(chosen, stage_id, await self.backend.pipelines(account))
            values |= {"pipeline": chosen.id, "stage": stage_id}
        elif pipeline or stage:
            raise InvalidInput("Only deals have a pipeline and stage.")
        await self._check_links(account, object_type, associations)
        key = Idempotency(
            idempotency_key, f"create_{object_type}", check.fingerprint(values, [r.model_dump() for r in associations])
        )
        return await self.backend.create(account, object_type, values, associations=associations, idempotency=key)

    async def _pipeline(self, account: str, pipeline_id: str | None) -> Pipeline:
        pipelines = await self.backend.pipelines(account)
        if not pipelines:
            raise InvalidInput("This CRM has no deal pipeline yet.", hint="An operator must set one up first.")
        if pipeline_id is None:
            return pipelines[0]
        for p in pipelines:
            if p.id == pipeline_id:
                return p
        raise InvalidInput(
            f"No pipeline {pipeline_id!r}.", hint=f"Pipelines: {', '.join(p.id for p in pipelines)} (list_pipelines)."
        )

    @staticmethod
    def _stage_in(pipeline: Pipeline, stage_id: str, pipelines: Sequence[Pipeline]) -> None:
        if any(s.id == stage_id for s in pipeline.stages):
            return
        elsewhere = [p.id for p in pipelines if p.id != pipeline.id and any(s.id == stage_id for s in p.stages)]
        stages = ", ".join(s.id for s in pipeline.stages)
        if elsewhere:
            raise InvalidInput(
                f"Stage {stage_id!r} belongs to pipeline {elsewhere[0]!r}, not to this deal's pipeline "
                f"{pipeline.id!r}.",
                hint=f"Stages of {pipeline.id!r}: {stages}.",
            )
        raise InvalidInput(f"No stage {stage_id!r} in pipeline {pipeline.id!r}.", hint=f"Its stages: {stages}.")

    async def _check_links(self, account: str, object_type: ObjectType, refs: Sequence[Ref]) -> None:
        for ref in refs:
            if ref.object_type not in ASSOCIABLE[object_type]:
                raise self._incompatible(object_type, ref.object_type)
            await self._require_active(account, ref)

    @staticmethod
    def _incompatible(a: ObjectType, b: ObjectType) -> InvalidInput:
        return InvalidInput(
            f"A {a} cannot be associated with a {b}.",
            hint=f"A {a} links to: {', '.join(sorted(ASSOCIABLE[a]))}.",
        )

    async def create_lead(
        self, account: str, contact_id: str, properties: dict[str, Any], *, idempotency_key: str
    ) -> WriteResult:
        values = check.writable_properties("lead", properties)
        values.setdefault("status", "new")
        await self._check_owner(account, values)
        contact = Ref(object_type="contact", id=contact_id)
        await self._require_active(account, contact)
        values["contact_id"] = contact_id
        key = Idempotency(idempotency_key, "create_lead", check.fingerprint(values))
        return await self.backend.create(account, "lead", values, associations=[contact], idempotency=key)

    async def update_record(self, account: str, ref: Ref, properties: dict[str, Any], *, dry_run: bool) -> UpdateResult:
        if not properties:
            raise InvalidInput("No properties to change.", hint="Pass at least one field and its new value.")
        values = check.writable_properties(ref.object_type, properties)
        await self._check_owner(account, values)
        record = await self._require_active(account, ref)
        changes = [
            FieldChange(field=k, before=record.properties.get(k), after=v)
            for k, v in values.items()
            if record.properties.get(k) != v
        ]
        if dry_run or not changes:
            after = {**record.properties, **{c.field: c.after for c in changes}}
            return UpdateResult(record=record.model_copy(update={"properties": after}), changes=changes, applied=False)
        updated = await self.backend.update(account, ref.object_type, ref.id, {c.field: c.after for c in changes})
        return UpdateResult(record=updated, changes=changes, applied=True)

    async def archive_record(self, account: str, ref: Ref, *, dry_run: bool) -> ArchiveResult:
        record = await self._require(account, ref)
        if record.archived:
            raise AlreadyArchived(ref.object_type, ref.id)
        if dry_run:
            return ArchiveResult(record=record.model_copy(update={"archived": True}), applied=False)
        return ArchiveResult(record=await self.backend.archive(account, ref.object_type, ref.id), applied=True)

    async def associate(self, account: str, left: Ref, right: Ref) -> Association:
        if right.object_type not in ASSOCIABLE[left.object_type]:
            raise self._incompatible(left.object_type, right.object_type)
        await self._require_active(account, left)
        await self._require_active(account, right)
        created = await self.backend.associate(account, left, right)
        return Association(left=left, right=right, created=created)

    async def log_activity(
        self,
        account: str,
        activity_type: ActivityType,
        properties: dict[str, Any],
        *,
        associations: Sequence[Ref],
        idempotency_key: str,
    ) -> WriteResult:
        values = check.writable_properties("activity", properties)
        values["type"] = activity_type
        await self._check_owner(account, values)
        if not associations:
            raise InvalidInput("An activity must be linked to at least one record.", hint="Pass `associations`.")
        await self._check_links(account, "activity", associations)
        links = sorted({(r.object_type, r.id) for r in associations})
        # The digest covers what the caller sent: a retry without occurred_at is the same call, a moment later.
        key = Idempotency(idempotency_key, "log_activity", check.fingerprint(values, links))
        if values.get("occurred_at") is None:
            values["occurred_at"] = check.iso_utc(utcnow())
        return await self.backend.create(account, "activity", values, associations=associations, idempotency=key)

    async def move_deal_stage(self, account: str, deal_id: str, stage: str, *, dry_run: bool) -> StageMove:
        deal = await self._require_active(account, Ref(object_type="deal", id=deal_id))
        pipelines = await self.backend.pipelines(account)
        pipeline = next((p for p in pipelines if p.id == deal.properties["pipeline"]), None)
        if pipeline is None:
            raise InvalidInput(f"The deal's pipeline {deal.properties['pipeline']!r} no longer exists.")
        self._stage_in(pipeline, stage, pipelines)
        before = str(deal.properties["stage"])
        if dry_run or before == stage:
            moved = deal.model_copy(update={"properties": {**deal.properties, "stage": stage}})
            return StageMove(deal=moved, from_stage=before, to_stage=stage, applied=False)
        updated = await self.backend.update(account, "deal", deal_id, {"stage": stage})
        return StageMove(deal=updated, from_stage=before, to_stage=stage, applied=True)

    async def capture_profile(
        self,
        account: str,
        contact_id: str,
        *,
        interests: Sequence[str],
        preferences: dict[str, Any],
        consent: Consent | None,
    ) -> Profile:
        await self._require_active(account, Ref(object_type="contact", id=contact_id))
        profile = await self.backend.get_profile(account, contact_id) or Profile(contact_id=contact_id)
        history = list(profile.consent_history)
        if consent is not None:
            history.append(consent)
        current = history[-1] if history else None
        consented = current is not None and current.marketing
        if preferences and not consented:
            raise ConsentRequired()
        merged = {**profile.preferences, **preferences} if consented else {}  # withdrawal drops stored preferences
        updated = profile.model_copy(
            update={
                "interests": list(dict.fromkeys([*profile.interests, *(i.strip() for i in interests if i.strip())])),
                "preferences": merged,
                "consent": current,
                "consent_history": history,
            }
        )
        return await self.backend.save_profile(account, updated)
