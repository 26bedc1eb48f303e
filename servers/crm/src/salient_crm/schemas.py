"""What the CRM's tools return: pydantic models, so clients get output schemas and structured content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from salient_core.arguments import ArgumentModel
from salient_core.pagination import Page

from salient_crm.objects import ObjectType

PropertyValue = str | int | float | bool | None


class Ref(ArgumentModel):
    """A pointer to one record."""

    object_type: ObjectType = Field(description="contact, company, deal, lead or activity.")
    id: str = Field(min_length=1, max_length=64, description="The record's id.")


class Record(BaseModel):
    id: str
    object_type: ObjectType
    properties: dict[str, PropertyValue] = Field(description="Field values; see describe_schema.")
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    associations: dict[str, list[str]] | None = Field(
        default=None, description="Ids of linked records by object type (get_records only)."
    )
    profile: Profile | None = Field(default=None, description="The visitor profile of a contact (get_records only).")


RecordPage = Page[Record]


class RecordList(BaseModel):
    records: list[Record]
    missing: list[str] = Field(default_factory=list, description="Requested ids with no (active) record.")


class UpsertResult(BaseModel):
    contact: Record
    created: bool = Field(description="True when no contact had this email before.")
    updated_fields: list[str] = Field(default_factory=list, description="Fields whose value changed.")


class WriteResult(BaseModel):
    record: Record
    replayed: bool = Field(
        default=False, description="True when this idempotency key was used before: the first result."
    )


class FieldChange(BaseModel):
    field: str
    before: PropertyValue
    after: PropertyValue


class UpdateResult(BaseModel):
    record: Record = Field(description="The record as it is (or would be, on a dry run) after the change.")
    changes: list[FieldChange]
    applied: bool = Field(description="False on a dry run or when nothing changed.")


class ArchiveResult(BaseModel):
    record: Record
    applied: bool = Field(description="False on a dry run.")


class Association(BaseModel):
    left: Ref
    right: Ref
    created: bool = Field(description="False when the two were already linked.")


class Owner(BaseModel):
    id: str
    name: str
    email: str
    role: str = ""
    time_zone: str = ""
    teams: list[str] = Field(default_factory=list)


class OwnerList(BaseModel):
    owners: list[Owner]


class Stage(BaseModel):
    id: str
    label: str
    position: int
    probability: float = Field(description="Chance of winning at this stage, 0-1.")
    closed: bool
    won: bool


class Pipeline(BaseModel):
    id: str
    label: str
    stages: list[Stage]


class PipelineList(BaseModel):
    pipelines: list[Pipeline]


class StageMove(BaseModel):
    deal: Record
    from_stage: str
    to_stage: str
    applied: bool = Field(description="False on a dry run or when the deal already was at that stage.")


class Consent(BaseModel):
    marketing: bool = Field(description="True when the contact agreed to marketing messages.")
    recorded_at: datetime
    source: str = Field(description="Where consent was given or withdrawn, e.g. 'web chat on /pricing'.")
    text: str = Field(default="", description="The wording the contact agreed to.")


class Profile(BaseModel):
    contact_id: str
    interests: list[str] = Field(default_factory=list, description="Products, services or topics of interest.")
    preferences: dict[str, Any] = Field(default_factory=dict, description="Marketing and contact preferences.")
    consent: Consent | None = None
    consent_history: list[Consent] = Field(default_factory=list, description="Every consent change, oldest first.")
    updated_at: datetime | None = None


class FieldInfo(BaseModel):
    name: str
    type: str
    description: str
    options: list[str] = Field(default_factory=list)
    writable: bool


class ObjectInfo(BaseModel):
    object_type: str
    fields: list[FieldInfo]
    associates_with: list[str]


class SchemaInfo(BaseModel):
    backend: str
    objects: list[ObjectInfo]
    activity_types: list[str]
    pipelines: list[Pipeline]
