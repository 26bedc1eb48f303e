"""The HubSpot backend: records in one HubSpot portal, through `hubspot-api-client` (docs/adr/0006).

Contacts, companies, deals and leads are CRM objects v3; activities are the engagement objects (notes, calls,
emails, meetings, tasks); links are associations v4; a contact's visitor profile and consent history live in
custom contact properties. Idempotency keys stay in this server's database (`KeyLedger`).

HubSpot's search index lags writes by seconds, while reads by id (and a contact's by email) are immediate, so
nothing that must see a write just made goes through search: upserts find the contact by email, replays and
`get_records` read by id, and a search for one exact email address reads that contact directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from salient_core.db import Database
from salient_core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from salient_crm.backends import hubspot_map as hs
from salient_crm.backends.base import Idempotency, Properties, SearchQuery
from salient_crm.backends.hubspot_api import HubSpotApi
from salient_crm.backends.hubspot_profiles import read_profile, write_profile
from salient_crm.backends.keys import KeyLedger
from salient_crm.errors import UnknownRecord
from salient_crm.objects import ACTIVITY_TYPES, ASSOCIABLE, ActivityType, ObjectType
from salient_crm.schemas import Owner, Pipeline, Profile, Record, Ref, UpsertResult, WriteResult

PAGE = 200  # HubSpot's largest search page
BATCH = 100  # HubSpot's most inputs in one batch request
SEARCH_CAP = 10_000  # HubSpot's search pages through at most this many results of one query


class HubSpotBackend:
    name = "hubspot"

    def __init__(self, db: Database, api: HubSpotApi, *, account: str) -> None:
        self.api = api
        self.account = account
        self.keys = KeyLedger(db)
        self._kinds: dict[str, ActivityType] = {}  # activity id -> engagement kind; ids never change type

    def _own(self, account: str) -> None:
        # One private-app token reaches one portal: serving a second account from it would mix two companies' data.
        if account != self.account:
            raise PermissionDenied(
                f"This server's HubSpot portal belongs to account {self.account!r}, not {account!r}.",
                hint="Run one crm server (with its own HubSpot token) per account.",
            )

    # -- reading -----------------------------------------------------------------------------------------

    async def search(self, account: str, object_type: ObjectType, query: SearchQuery) -> tuple[list[Record], int]:
        self._own(account)
        if query.offset >= SEARCH_CAP:
            raise InvalidInput(
                f"HubSpot's search reaches only the first {SEARCH_CAP:,} results of a query; this page starts at "
                f"{query.offset:,}.",
                hint="Narrow the search with filters (for example a created_at range) and page through that.",
            )
        query = SearchQuery(**{**query.__dict__, "limit": min(query.limit, SEARCH_CAP - query.offset)})
        if object_type != "activity":
            body = hs.search_body(object_type, query, after=query.offset, limit=query.limit)
            page = await self.api.search(hs.RECORD_TYPES[object_type], body)
            records, total = [hs.to_record(object_type, o) for o in page.results], int(page.total)
            email = hs.exact_email(object_type, query)
            if email is None:
                return records, total
            return await self._with_contact(email, query, records, total)
        # Five engagement types: take the first offset+limit of each, merge them in order, cut the page.
        wanted = query.offset + query.limit
        merged: list[Record] = []
        total = 0
        sortable = query if query.sort != "type" else SearchQuery(**{**query.__dict__, "sort": "created_at"})
        for kind in hs.kinds_wanted(query.conditions):
            after = 0
            while True:
                body = hs.search_body("activity", sortable, after=after, limit=min(PAGE, wanted - after), kind=kind)
                page = await self.api.search(hs.ENGAGEMENTS[kind], body)
                merged += [hs.to_record("activity", o, kind) for o in page.results]
                after += len(page.results)
                if after >= wanted or not page.paging or not page.paging.next or not page.results:
                    break
            total += int(page.total)
        return hs.ordered(merged, query.sort, query.descending)[query.offset : wanted], total

    async def _with_contact(
        self, email: str, query: SearchQuery, records: list[Record], total: int
    ) -> tuple[list[Record], int]:
        """A search for one email address, its contact read directly: the index may not have it yet, or may still
        show an archived or older version of it."""
        current = await self._contact_by_email(email)
        stale = [r for r in records if r.properties.get("email") == email]
        kept = [r for r in records if r.properties.get("email") != email]
        total += (current is not None) - len(stale)
        if current is None or query.offset > 0:
            return kept, max(total, 0)
        return hs.ordered([*kept, current], query.sort, query.descending)[: query.limit], max(total, 1)

    async def get(
        self, account: str, object_type: ObjectType, ids: Sequence[str], *, include_archived: bool = False
    ) -> dict[str, Record]:
        self._own(account)
        wanted = hs.numeric_ids(ids)
        found: dict[str, Record] = {}
        kinds: list[ActivityType | None] = list(ACTIVITY_TYPES) if object_type == "activity" else [None]
        for archived in (False, True) if include_archived else (False,):
            for kind in kinds:
                rest = [i for i in wanted if i not in found]
                if not rest:
                    return found
                hs_type = hs.ENGAGEMENTS[kind] if kind else hs.RECORD_TYPES[object_type]
                for start in range(0, len(rest), BATCH):  # a contact's timeline can link hundreds of activities
                    body = {
                        "inputs": [{"id": i} for i in rest[start : start + BATCH]],
                        "properties": hs.property_names(object_type, kind),
                        "propertiesWithHistory": [],
                    }
                    batch = await self.api.call(self.api.batch.read, hs_type, body, archived=archived)
                    for obj in batch.results:
                        found[str(obj.id)] = hs.to_record(object_type, obj, kind)
                        if kind:
                            self._kinds[str(obj.id)] = kind
        return found

    async def _hs_ref(self, ref: Ref) -> tuple[str, str]:
        """HubSpot's (object type, id) for a ref; an activity's engagement type is looked up once."""
        if ref.object_type != "activity":
            return hs.RECORD_TYPES[ref.object_type], ref.id
        if ref.id not in self._kinds:
            await self.get(self.account, "activity", [ref.id], include_archived=True)
        if ref.id not in self._kinds:
            raise UnknownRecord("activity", ref.id)
        return hs.ENGAGEMENTS[self._kinds[ref.id]], ref.id

    async def _linked(self, source: tuple[str, str], to_type: str) -> list[str]:
        ids: list[str] = []
        after: str | None = None
        while True:
            page = await self.api.call(
                self.api.associations.get_page, source[0], source[1], to_type, after=after, limit=500
            )
            ids += [str(r.to_object_id) for r in page.results]
            if not page.paging or not page.paging.next:
                return ids
            after = page.paging.next.after

    async def get_linked(self, account: str, object_type: ObjectType, ids: Sequence[str]) -> dict[str, Record]:
        found = await self.get(account, object_type, ids)
        linked: dict[str, Record] = {}
        for record_id, record in found.items():
            update: dict[str, Any] = {
                "associations": await self.associations(account, Ref(object_type=object_type, id=record_id))
            }
            if object_type == "contact":
                update["profile"] = await self.get_profile(account, record_id)
            linked[record_id] = record.model_copy(update=update)
        return linked

    async def associations(self, account: str, ref: Ref) -> dict[str, list[str]]:
        self._own(account)
        source = await self._hs_ref(ref)
        linked: dict[str, list[str]] = {}
        for other in sorted(ASSOCIABLE[ref.object_type]):
            ids = [i for t in hs.hubspot_types(other) for i in await self._linked(source, t)]
            if ids:
                linked[other] = ids
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
        self._own(account)
        source = await self._hs_ref(ref)
        ids: list[str] = []
        for kind in ACTIVITY_TYPES:
            if not types or kind in types:
                ids += await self._linked(source, hs.ENGAGEMENTS[kind])
        found = await self.get(account, "activity", ids)
        items = [
            r
            for r in found.values()
            if since is None or hs.parse_time(str(r.properties["occurred_at"])) >= since  # always set by the service
        ]
        items.sort(key=lambda r: (str(r.properties["occurred_at"]), int(r.id)), reverse=True)
        return items[offset : offset + limit], len(items)

    async def owners(self, account: str) -> list[Owner]:
        self._own(account)
        owners: list[Owner] = []
        after: str | None = None
        while True:
            page = await self.api.call(self.api.owners.get_page, after=after, limit=500, archived=False)
            owners += [hs.to_owner(o) for o in page.results]
            if not page.paging or not page.paging.next:
                return sorted(owners, key=lambda o: o.name)
            after = page.paging.next.after

    async def pipelines(self, account: str) -> list[Pipeline]:
        self._own(account)
        answer = await self.api.call(self.api.pipelines.get_all, "deals")
        active = sorted((p for p in answer.results if not p.archived), key=lambda p: p.display_order)
        return [hs.to_pipeline(p) for p in active]

    # -- writing -----------------------------------------------------------------------------------------

    async def create(
        self,
        account: str,
        object_type: ObjectType,
        properties: Properties,
        *,
        associations: Sequence[Ref] = (),
        idempotency: Idempotency | None = None,
    ) -> WriteResult:
        self._own(account)
        if idempotency is not None:
            previous = await self.keys.claim(account, object_type, idempotency)
            if previous is not None:
                found = await self.get(account, previous[0], [previous[1]], include_archived=True)
                if previous[1] not in found:
                    raise UnknownRecord(previous[0], previous[1])
                return WriteResult(record=found[previous[1]], replayed=True)
        try:
            record = await self._create(object_type, properties, associations)
        except BaseException:
            if idempotency is not None:
                await self.keys.release(account, idempotency)
            raise
        if idempotency is not None:
            await self.keys.fill(account, idempotency, record.id)
        return WriteResult(record=record)

    async def _create(self, object_type: ObjectType, properties: Properties, links: Sequence[Ref]) -> Record:
        kind: ActivityType | None = properties["type"] if object_type == "activity" else None  # pyright: ignore[reportAssignmentType]
        hs_type = hs.ENGAGEMENTS[kind] if kind else hs.RECORD_TYPES[object_type]
        values = {k: v for k, v in hs.to_hubspot(object_type, properties, kind).items() if v != ""}
        inline: list[dict[str, Any]] = []
        if object_type == "lead":
            # HubSpot refuses a lead without a name and a primary contact, so both go in with the create.
            contact = str(properties["contact_id"])
            values["hs_lead_name"] = f"Web lead for contact {contact}"
            spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": hs.LEAD_TO_CONTACT}
            inline.append({"to": {"id": contact}, "types": [spec]})
            links = [r for r in links if not (r.object_type == "contact" and r.id == contact)]
        obj = await self.api.call(self.api.objects.create, hs_type, {"properties": values, "associations": inline})
        record = hs.to_record(object_type, obj, kind)
        if kind:
            self._kinds[record.id] = kind
        source = (hs_type, record.id)
        for ref in links:
            target = await self._hs_ref(ref)
            await self.api.call(self.api.associations.create_default, source[0], source[1], target[0], target[1])
        return record

    async def update(self, account: str, object_type: ObjectType, record_id: str, properties: Properties) -> Record:
        self._own(account)
        hs_type, _ = await self._hs_ref(Ref(object_type=object_type, id=record_id))
        kind = self._kinds.get(record_id) if object_type == "activity" else None
        body = {"properties": hs.to_hubspot(object_type, properties, kind)}
        try:
            obj = await self.api.call(self.api.objects.update, hs_type, record_id, body)
        except NotFound:
            raise UnknownRecord(object_type, record_id) from None
        return hs.to_record(object_type, obj, kind)

    async def archive(self, account: str, object_type: ObjectType, record_id: str) -> Record:
        self._own(account)
        hs_type, _ = await self._hs_ref(Ref(object_type=object_type, id=record_id))
        try:
            await self.api.call(self.api.objects.archive, hs_type, record_id)
        except NotFound:
            raise UnknownRecord(object_type, record_id) from None
        found = await self.get(account, object_type, [record_id], include_archived=True)
        if record_id not in found:
            raise UnknownRecord(object_type, record_id)
        return found[record_id]

    async def _contact_by_email(self, email: str) -> Record | None:
        try:
            obj = await self.api.call(
                self.api.objects.get_by_id,
                "contacts",
                email,
                properties=hs.property_names("contact"),
                id_property="email",
                archived=False,
            )
        except NotFound:
            return None
        return hs.to_record("contact", obj)

    async def upsert_contact(self, account: str, email: str, properties: Properties) -> UpsertResult:
        self._own(account)
        existing = await self._contact_by_email(email)
        if existing is None:
            values = {k: v for k, v in hs.to_hubspot("contact", properties).items() if v != ""}
            try:
                obj = await self.api.call(
                    self.api.objects.create, "contacts", {"properties": {**values, "email": email}, "associations": []}
                )
                return UpsertResult(
                    contact=hs.to_record("contact", obj), created=True, updated_fields=sorted(properties)
                )
            except Conflict:  # HubSpot keeps emails unique: a concurrent call created this contact first
                existing = await self._contact_by_email(email)
                if existing is None:
                    raise
        changed = {k: v for k, v in properties.items() if existing.properties.get(k) != v}
        contact = await self.update(account, "contact", existing.id, changed) if changed else existing
        return UpsertResult(contact=contact, created=False, updated_fields=sorted(changed))

    async def associate(self, account: str, left: Ref, right: Ref) -> bool:
        self._own(account)
        source, target = await self._hs_ref(left), await self._hs_ref(right)
        if target[1] in await self._linked(source, target[0]):
            return False
        await self.api.call(self.api.associations.create_default, source[0], source[1], target[0], target[1])
        return True

    # -- profiles ----------------------------------------------------------------------------------------

    async def get_profile(self, account: str, contact_id: str) -> Profile | None:
        self._own(account)
        return await read_profile(self.api, contact_id)

    async def save_profile(self, account: str, profile: Profile) -> Profile:
        self._own(account)
        return await write_profile(self.api, profile)
