"""How the CRM's object model maps onto HubSpot: object types, property names, values, search requests.

HubSpot keeps every property value as a string; this module turns them back into the canonical values of
`backends.base` (ints, decimal strings, `YYYY-MM-DD`, ISO 8601 UTC), so both backends return the same records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from salient_crm.backends.base import Condition, SearchQuery
from salient_crm.objects import ACTIVITY_TYPES, FIELDS, ActivityType, FieldSpec, ObjectType
from salient_crm.schemas import Owner, Pipeline, PropertyValue, Record, Stage
from salient_crm.validation import iso_utc

# HubSpot's object type names; activities are five engagement objects, one per kind.
RECORD_TYPES: dict[ObjectType, str] = {"contact": "contacts", "company": "companies", "deal": "deals", "lead": "leads"}
ENGAGEMENTS: dict[ActivityType, str] = {
    "note": "notes",
    "call": "calls",
    "email": "emails",
    "meeting": "meetings",
    "task": "tasks",
}
# Subject and body of each engagement kind. Notes have no title in HubSpot: their subject is kept apart.
ENGAGEMENT_PROPS: dict[ActivityType, tuple[str, str]] = {
    "note": ("salient_subject", "hs_note_body"),
    "call": ("hs_call_title", "hs_call_body"),
    "email": ("hs_email_subject", "hs_email_text"),
    "meeting": ("hs_meeting_title", "hs_meeting_body"),
    "task": ("hs_task_subject", "hs_task_body"),
}
LEAD_TO_CONTACT = 578  # HUBSPOT_DEFINED association type "lead to primary contact", required to create a lead
PROFILE_PROPS = ("salient_interests", "salient_preferences", "salient_consent_history", "salient_profile_updated_at")
ASCENDING, DESCENDING = "ASCENDING", "DESCENDING"
OPERATORS = {"eq": "EQ", "neq": "NEQ", "gt": "GT", "gte": "GTE", "lt": "LT", "lte": "LTE"}


def hubspot_types(object_type: ObjectType) -> list[str]:
    return list(ENGAGEMENTS.values()) if object_type == "activity" else [RECORD_TYPES[object_type]]


def activity_kind(hubspot_type: str) -> ActivityType:
    return next(k for k, v in ENGAGEMENTS.items() if v == hubspot_type)


def property_name(object_type: ObjectType, name: str, kind: ActivityType | None = None) -> str:
    """HubSpot's name for field `name` (for activities, of engagement `kind`)."""
    if name == "created_at":
        return "createdate" if object_type in ("contact", "company", "deal") else "hs_createdate"
    if name == "updated_at":
        return "lastmodifieddate" if object_type == "contact" else "hs_lastmodifieddate"
    if object_type == "activity":
        assert kind is not None
        return {
            "subject": ENGAGEMENT_PROPS[kind][0],
            "body": ENGAGEMENT_PROPS[kind][1],
            "occurred_at": "hs_timestamp",
            "owner_id": "hubspot_owner_id",
        }[name]
    spec = next(f for f in FIELDS[object_type] if f.name == name)
    if spec.hubspot:
        return spec.hubspot
    return f"salient_{name}" if object_type == "lead" else name


def property_names(object_type: ObjectType, kind: ActivityType | None = None) -> list[str]:
    return [property_name(object_type, f.name, kind) for f in FIELDS[object_type] if f.name != "type"]


def to_hubspot(
    object_type: ObjectType, properties: Mapping[str, PropertyValue], kind: ActivityType | None = None
) -> dict[str, str]:
    """Canonical values as HubSpot property strings; None clears a property (HubSpot's empty string)."""
    return {
        property_name(object_type, k, kind): "" if v is None else str(v) for k, v in properties.items() if k != "type"
    }


def _value(spec: FieldSpec, raw: Any) -> PropertyValue:
    if raw is None or raw == "":
        return None
    text = str(raw)
    try:
        match spec.type:
            case "integer":
                return int(Decimal(text))
            case "decimal":
                return f"{Decimal(text).quantize(Decimal('0.01')):.2f}"
            case "date":
                return text[:10]
            case "datetime":
                return iso_utc(parse_time(text))
            case _:
                return text
    except (InvalidOperation, ValueError):
        return text  # edited in HubSpot into something this model cannot read: show it as it is


def parse_time(text: str) -> datetime:
    """HubSpot sends ISO 8601 (`2026-03-03T14:00:00.000Z`), older fields milliseconds since the epoch."""
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_record(object_type: ObjectType, obj: Any, kind: ActivityType | None = None) -> Record:
    """An SDK `SimplePublicObject` as a Record with this CRM's field names and canonical values."""
    props: dict[str, Any] = obj.properties or {}
    values: dict[str, PropertyValue] = {}
    for spec in FIELDS[object_type]:
        if object_type == "activity" and spec.name == "type":
            values["type"] = kind
        else:
            values[spec.name] = _value(spec, props.get(property_name(object_type, spec.name, kind)))
    return Record(
        id=str(obj.id),
        object_type=object_type,
        properties=values,
        created_at=obj.created_at,
        updated_at=obj.updated_at,
        archived=bool(obj.archived),
    )


def numeric_ids(ids: Sequence[str]) -> list[str]:
    """Ids that can name a HubSpot record (HubSpot ids are numbers); anything else names nothing."""
    return list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit() and len(i) < 19))


def _filter(object_type: ObjectType, cond: Condition, kind: ActivityType | None) -> dict[str, Any]:
    name = property_name(object_type, cond.field, kind)
    match cond.op:
        case "has_value":
            return {"propertyName": name, "operator": "HAS_PROPERTY" if cond.value else "NOT_HAS_PROPERTY"}
        case "contains":
            # CONTAINS_TOKEN with wildcards on both sides matches a substring, as the local backend does.
            return {"propertyName": name, "operator": "CONTAINS_TOKEN", "value": f"*{cond.value}*"}
        case "in":
            values = cond.value if isinstance(cond.value, list) else [cond.value]
            return {"propertyName": name, "operator": "IN", "values": [_filter_text(v) for v in values]}
        case _:
            return {"propertyName": name, "operator": OPERATORS[cond.op], "value": _filter_text(cond.value)}


def _filter_text(value: Any) -> str:
    # HubSpot compares datetimes given as epoch milliseconds; other values as their strings (IN wants lowercase).
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        try:
            return str(int(parse_time(value).timestamp() * 1000))
        except ValueError:
            pass
    return str(value).lower() if isinstance(value, str) else str(value)


def exact_email(object_type: ObjectType, query: SearchQuery) -> str | None:
    """The address a contact search looks for when it is exactly one email: the whole query text, or the only
    filter (`email` equal to it). None for any other search."""
    if object_type != "contact":
        return None
    text = query.text.strip()
    if not query.conditions and "@" in text and len(text.split()) == 1:
        return text.lower()
    if not text and len(query.conditions) == 1:
        cond = query.conditions[0]
        if cond.field == "email" and cond.op == "eq" and isinstance(cond.value, str):
            return cond.value.lower()
    return None


def kinds_wanted(conditions: Sequence[Condition]) -> list[ActivityType]:
    """The engagement kinds an activity search can match, from its conditions on `type`."""
    kinds: list[ActivityType] = list(ACTIVITY_TYPES)
    for cond in conditions:
        if cond.field != "type":
            continue
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        if cond.op in ("eq", "in"):
            kinds = [k for k in kinds if k in values]
        elif cond.op == "neq":
            kinds = [k for k in kinds if k not in values]
        elif cond.op == "has_value" and not cond.value:
            kinds = []
    return kinds


def search_body(
    object_type: ObjectType, query: SearchQuery, *, after: int, limit: int, kind: ActivityType | None = None
) -> dict[str, Any]:
    """A `POST /crm/v3/objects/{type}/search` body: one filter group (all conditions), the text, one sort."""
    filters = [_filter(object_type, c, kind) for c in query.conditions if c.field != "type"]
    body: dict[str, Any] = {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [
            {
                "propertyName": property_name(object_type, query.sort, kind),
                "direction": DESCENDING if query.descending else ASCENDING,
            }
        ],
        "properties": property_names(object_type, kind),
        "limit": limit,
        "after": str(after),
    }
    if query.text.strip():
        body["query"] = query.text.strip()
    return body


def to_owner(owner: Any) -> Owner:
    """A HubSpot owner: a name, an email and teams; HubSpot has no role or time zone for them."""
    name = f"{owner.first_name or ''} {owner.last_name or ''}".strip()
    return Owner(id=str(owner.id), name=name, email=owner.email or "", teams=[t.name for t in owner.teams or []])


def to_pipeline(pipeline: Any) -> Pipeline:
    """A deal pipeline; a stage is won when HubSpot marks it closed with probability 1."""
    stages: list[Stage] = []
    for position, s in enumerate(sorted(pipeline.stages, key=lambda s: s.display_order)):
        meta: dict[str, Any] = s.metadata or {}
        probability = float(meta.get("probability") or 0)
        closed = str(meta.get("isClosed", "false")).lower() == "true"
        stages.append(
            Stage(
                id=s.id,
                label=s.label,
                position=position,
                probability=probability,
                closed=closed,
                won=closed and probability >= 1.0,
            )
        )
    return Pipeline(id=pipeline.id, label=pipeline.label, stages=stages)


def ordered(records: list[Record], sort: str, descending: bool) -> list[Record]:
    """Records by `sort` (nulls last either way), ties by id: the local backend's order."""

    def value(r: Record) -> Any:
        return getattr(r, sort) if sort in ("created_at", "updated_at") else r.properties.get(sort)

    by_id = sorted(records, key=lambda r: int(r.id))
    present = sorted((r for r in by_id if value(r) is not None), key=value, reverse=descending)
    return present + [r for r in by_id if value(r) is None]
