"""The state behind the fake HubSpot API: one portal's objects, its search index, its property definitions.

Two ways the real HubSpot is less kind than a dictionary, kept here:
- **Search lags writes.** An object created, changed or archived reaches the CRM search index `index_delay`
  seconds later (seconds in reality); until then search answers from the previous version. Reads by id
  (`GET /crm/v3/objects/{type}/{id}`, with `idProperty=email` too) and batch reads are immediate.
- **Only defined properties can be written.** A property that is neither one of HubSpot's own nor created
  through the properties API is refused with `PROPERTY_DOESNT_EXIST`, and an enumeration value outside its
  options with `INVALID_OPTION`, in HubSpot's validation error shape.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from salient_crm.demo import OWNERS

TYPES = ("contacts", "companies", "deals", "leads", "notes", "calls", "emails", "meetings", "tasks")
INDEX_DELAY = 0.3  # seconds: short for tests, long enough that a search right after a write misses it
PORTAL_ID = 24_681_357


def stamp(moment: datetime) -> str:
    """HubSpot's timestamp format: UTC, milliseconds, `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _prop(name: str, type_: str = "string", options: tuple[str, ...] = (), *, group: str = "") -> dict[str, Any]:
    """A property definition as `GET /crm/v3/properties/{type}` lists it."""
    created = stamp(datetime(2025, 1, 6, tzinfo=UTC))
    field_type = {"string": "text", "number": "number", "datetime": "date", "date": "date"}.get(type_, "select")
    return {
        "name": name,
        "label": name.replace("_", " ").title(),
        "type": type_,
        "fieldType": field_type,
        "description": "",
        "groupName": group,
        "options": [{"label": o, "value": o, "displayOrder": n, "hidden": False} for n, o in enumerate(options)],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "email",
        "hidden": False,
        "formField": False,
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
        "modificationMetadata": {"archivable": True, "readOnlyDefinition": True, "readOnlyValue": False},
    }


_COMMON = ("hs_object_id", "createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate")
_TIMES = {"createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_timestamp", "closedate"}
LIFECYCLE = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")  # the currencies this portal has turned on
# HubSpot's own properties that the crm backend writes or reads, per object type (a small part of the real lists).
BUILTIN: dict[str, tuple[str, ...]] = {
    "contacts": ("email", "firstname", "lastname", "phone", "jobtitle", "company", "lifecyclestage", "city",
                 "country", "hubspot_owner_id", "hs_additional_emails", "fax", "mobilephone"),
    "companies": ("name", "domain", "website", "phone", "industry", "numberofemployees", "country", "state", "city",
                  "hubspot_owner_id"),
    "deals": ("dealname", "amount", "deal_currency_code", "pipeline", "dealstage", "closedate", "hubspot_owner_id",
              "description", "dealtype"),
    "leads": ("hs_lead_name", "hubspot_owner_id"),
    "notes": ("hs_timestamp", "hs_note_body", "hubspot_owner_id"),
    "calls": ("hs_timestamp", "hs_call_title", "hs_call_body", "hubspot_owner_id"),
    "emails": ("hs_timestamp", "hs_email_subject", "hs_email_text", "hubspot_owner_id"),
    "meetings": ("hs_timestamp", "hs_meeting_title", "hs_meeting_body", "hubspot_owner_id"),
    "tasks": ("hs_timestamp", "hs_task_subject", "hs_task_body", "hubspot_owner_id"),
}  # fmt: skip
ENUMS = {"lifecyclestage": LIFECYCLE, "deal_currency_code": CURRENCIES}


def _builtin(object_type: str) -> dict[str, dict[str, Any]]:
    names = (*_COMMON, *BUILTIN[object_type])
    return {
        n: _prop(
            n,
            "enumeration" if n in ENUMS else "datetime" if n in _TIMES else "string",
            ENUMS.get(n, ()),
            group=f"{object_type.rstrip('s')}information",
        )
        for n in names
    }


@dataclass
class Obj:
    id: str
    properties: dict[str, str]
    created: datetime
    updated: datetime
    archived_at: datetime | None = None

    def json(self, wanted: list[str] | None = None) -> dict[str, Any]:
        props = {k: v for k, v in self.properties.items() if wanted is None or k in wanted or k in _COMMON}
        body: dict[str, Any] = {
            "id": self.id,
            "properties": props,
            "createdAt": stamp(self.created),
            "updatedAt": stamp(self.updated),
            "archived": self.archived_at is not None,
        }
        if self.archived_at is not None:
            body["archivedAt"] = stamp(self.archived_at)
        return body


@dataclass
class Portal:
    token: str = field(default_factory=lambda: f"pat-na1-{uuid.uuid4()}")
    objects: dict[str, dict[str, Obj]] = field(default_factory=lambda: {t: {} for t in TYPES})
    links: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)  # (from type, id, to type) -> ids
    next_id: int = 1001
    throttle: int = 0  # answer 429 to this many coming requests
    retry_after: str = "1"
    log: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, method, path)
    owner_ids: dict[str, str] = field(default_factory=dict)  # the demo reps' keys -> HubSpot owner ids
    index_delay: float = INDEX_DELAY
    # type -> property name -> definition: HubSpot's own, then what the properties API created
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t: _builtin(t) for t in TYPES})
    groups: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {t: {} for t in TYPES})
    _index: dict[str, dict[str, Obj]] = field(default_factory=lambda: {t: {} for t in TYPES})
    _pending: list[tuple[float, str, Obj]] = field(default_factory=list)  # (due, type, version)

    def __post_init__(self) -> None:
        for n, owner in enumerate(OWNERS):
            self.owner_ids[owner.id] = str(70_000_001 + n)

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def active(self, object_type: str, object_id: str) -> Obj | None:
        obj = self.objects[object_type].get(object_id)
        return obj if obj is not None and obj.archived_at is None else None

    def link(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        for (ft, fi), (tt, ti) in ((a, b), (b, a)):
            ids = self.links.setdefault((ft, fi, tt), [])
            if ti not in ids:
                ids.append(ti)

    # -- the search index ----------------------------------------------------------------------------------

    def changed(self, object_type: str, obj: Obj) -> None:
        """Queue this version of `obj` for the search index, `index_delay` seconds from now."""
        self._pending.append((time.monotonic() + self.index_delay, object_type, copy.deepcopy(obj)))

    def searchable(self, object_type: str) -> list[Obj]:
        """What search sees now: the versions indexed so far, archived ones left out."""
        now = time.monotonic()
        due = [p for p in self._pending if p[0] <= now]
        self._pending = [p for p in self._pending if p[0] > now]
        for _, kind, version in due:
            self._index[kind][version.id] = version
        return [o for o in self._index[object_type].values() if o.archived_at is None]

    def settles_in(self) -> float:
        """Seconds until every write so far is searchable."""
        return max((p[0] - time.monotonic() for p in self._pending), default=0.0)

    # -- properties ------------------------------------------------------------------------------------------

    def invalid(self, object_type: str, values: dict[str, str]) -> list[dict[str, Any]]:
        """HubSpot's validation results for `values`: unknown properties, enumeration values not among options."""
        results: list[dict[str, Any]] = []
        for name, value in values.items():
            spec = self.properties[object_type].get(name)
            if spec is None:
                results.append(_invalid(name, f'Property "{name}" does not exist', "PROPERTY_DOESNT_EXIST"))
            elif spec["type"] == "enumeration" and value and not spec["externalOptions"]:
                allowed = [o["value"] for o in spec["options"]]
                if value not in allowed:
                    message = f"{value} was not one of the allowed options: [{', '.join(allowed)}]"
                    results.append(_invalid(name, message, "INVALID_OPTION"))
            elif spec["type"] == "number" and value:
                try:
                    float(value)
                except ValueError:
                    results.append(_invalid(name, f"{value} is not a valid number", "INVALID_INTEGER"))
        return results


def _invalid(name: str, message: str, code: str) -> dict[str, Any]:
    return {
        "isValid": False,
        "message": message,
        "error": code,
        "name": name,
        "localizedErrorMessage": message,
        "portalId": PORTAL_ID,
    }


def validation_message(results: list[dict[str, Any]]) -> str:
    """HubSpot's `message` for refused property values: the results as JSON inside the sentence."""
    return f"Property values were not valid: {json.dumps(results, separators=(',', ':'))}"
