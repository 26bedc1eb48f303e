"""The interface every CRM backend implements, and the plain values that cross it.

The service validates every request against `objects.FIELDS` first, so a backend only stores and fetches:
property values arrive already checked and in canonical form (decimals as strings, dates as `YYYY-MM-DD`,
datetimes as ISO 8601 UTC strings, integers as ints).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from salient_crm.objects import ObjectType
from salient_crm.schemas import Owner, Pipeline, Profile, PropertyValue, Record, Ref, UpsertResult, WriteResult

Operator = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "has_value"]
Properties = Mapping[str, PropertyValue]


@dataclass(frozen=True)
class Condition:
    field: str
    op: Operator
    value: PropertyValue | list[PropertyValue]


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    conditions: list[Condition] = field(default_factory=list)
    sort: str = "created_at"
    descending: bool = False
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class Idempotency:
    """A write's idempotency key and a digest of its arguments (a key reused for other arguments is refused)."""

    key: str
    operation: str
    fingerprint: str


class Backend(Protocol):
    name: str

    async def search(self, account: str, object_type: ObjectType, query: SearchQuery) -> tuple[list[Record], int]:
        """Active records matching `query`, one page of them, and how many match in all."""
        ...

    async def get(
        self, account: str, object_type: ObjectType, ids: Sequence[str], *, include_archived: bool = False
    ) -> dict[str, Record]:
        """The records with these ids that exist (archived ones only with `include_archived`)."""
        ...

    async def get_linked(self, account: str, object_type: ObjectType, ids: Sequence[str]) -> dict[str, Record]:
        """The active records with these ids that exist, each with its associations and, for a contact, its profile."""
        ...

    async def create(
        self,
        account: str,
        object_type: ObjectType,
        properties: Properties,
        *,
        associations: Sequence[Ref] = (),
        idempotency: Idempotency | None = None,
    ) -> WriteResult:
        """Create a record linked to `associations`; with a key already used for the same call, the first result."""
        ...

    async def update(self, account: str, object_type: ObjectType, record_id: str, properties: Properties) -> Record: ...

    async def archive(self, account: str, object_type: ObjectType, record_id: str) -> Record: ...

    async def upsert_contact(self, account: str, email: str, properties: Properties) -> UpsertResult:
        """Create the contact with this (normalised) email, or update the one that has it; never two."""
        ...

    async def associate(self, account: str, left: Ref, right: Ref) -> bool:
        """Link two existing records; False when they already were."""
        ...

    async def associations(self, account: str, ref: Ref) -> dict[str, list[str]]: ...

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
        """Activities linked to `ref`, newest first, one page, and how many in all."""
        ...

    async def owners(self, account: str) -> list[Owner]: ...

    async def pipelines(self, account: str) -> list[Pipeline]: ...

    async def get_profile(self, account: str, contact_id: str) -> Profile | None: ...

    async def save_profile(self, account: str, profile: Profile) -> Profile: ...
