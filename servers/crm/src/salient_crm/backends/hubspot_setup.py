"""Setting a HubSpot portal up for Salient: the custom properties the HubSpot backend writes.

HubSpot refuses a write that names a property the portal does not have (`PROPERTY_DOESNT_EXIST`), so the
properties that have no HubSpot equivalent (a lead's source and UTM fields, a company's free-text industry, a
note's subject, a contact's visitor profile) must exist before the first write. `salient-crm hubspot setup`
creates them, in a `salient` property group per object type; run again, it creates only what is missing and
changes nothing that exists.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from salient_core.errors import Conflict

from salient_crm.backends import hubspot_map as hs
from salient_crm.backends.hubspot_api import HubSpotApi
from salient_crm.objects import FIELDS, FieldType

GROUP = "salient"
# Our field types as HubSpot (type, fieldType) pairs.
KINDS: dict[FieldType, tuple[str, str]] = {
    "string": ("string", "text"),
    "email": ("string", "text"),
    "owner": ("string", "text"),
    "text": ("string", "textarea"),
    "integer": ("number", "number"),
    "decimal": ("number", "number"),
    "date": ("date", "date"),
    "datetime": ("datetime", "date"),
    "enum": ("enumeration", "select"),
}


@dataclass(frozen=True)
class CustomProperty:
    object_type: str  # HubSpot's object type name (`leads`, `notes`, ...)
    name: str
    label: str
    type: str
    field_type: str
    description: str = ""
    options: tuple[str, ...] = ()

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "groupName": GROUP,
            "description": self.description,
        }
        if self.options:
            body["options"] = [
                {"label": o.replace("_", " ").capitalize(), "value": o, "displayOrder": n, "hidden": False}
                for n, o in enumerate(self.options)
            ]
        return body


def custom_properties() -> list[CustomProperty]:
    """Every `salient_*` property the HubSpot backend reads or writes, from the object model."""
    found: list[CustomProperty] = []
    for object_type, specs in FIELDS.items():
        for kind in ("note",) if object_type == "activity" else (None,):
            hs_type = hs.ENGAGEMENTS[kind] if kind else hs.RECORD_TYPES[object_type]
            for spec in specs:
                if spec.name == "type":
                    continue
                name = hs.property_name(object_type, spec.name, kind)
                if name.startswith("salient_"):
                    type_, field_type = KINDS[spec.type]
                    label = f"Salient {spec.name.replace('_', ' ')}"
                    found.append(
                        CustomProperty(hs_type, name, label, type_, field_type, spec.description, spec.options)
                    )
    profile = [
        ("salient_interests", "Salient interests", "string", "textarea", "Visitor interests (JSON list)."),
        ("salient_preferences", "Salient preferences", "string", "textarea", "Visitor preferences (JSON object)."),
        ("salient_consent_history", "Salient consent history", "string", "textarea", "Consent changes (JSON)."),
        ("salient_profile_updated_at", "Salient profile updated", "datetime", "date", "When the profile changed."),
    ]
    assert [p[0] for p in profile] == list(hs.PROFILE_PROPS)
    found += [CustomProperty("contacts", *p) for p in profile]
    return found


@dataclass
class SetupReport:
    """What `setup` did, as `object_type.property` names."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    # Already there with another type: left alone, since changing a property's type can lose its values.
    mismatched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.created)} created, {len(self.existing)} already existed"
        return text + (f", {len(self.mismatched)} exist with another type" if self.mismatched else "")


async def setup(api: HubSpotApi) -> SetupReport:
    """Create the `salient` property group and every custom property that is missing; idempotent."""
    report = SetupReport()
    wanted = custom_properties()
    for object_type in dict.fromkeys(p.object_type for p in wanted):
        groups = await api.call(api.property_groups.get_all, object_type)
        if GROUP not in {g.name for g in groups.results}:
            body = {"name": GROUP, "label": "Salient", "displayOrder": -1}
            with contextlib.suppress(Conflict):  # made by a concurrent setup
                await api.call(api.property_groups.create, object_type, body)
        answer = await api.call(api.properties.get_all, object_type, archived=False)
        have = {p.name: p for p in answer.results}
        for prop in (p for p in wanted if p.object_type == object_type):
            label = f"{object_type}.{prop.name}"
            present = have.get(prop.name)
            if present is not None:
                (report.existing if present.type == prop.type else report.mismatched).append(
                    label if present.type == prop.type else f"{label} ({present.type}, wanted {prop.type})"
                )
                continue
            try:
                await api.call(api.properties.create, object_type, prop.body())
            except Conflict:
                report.existing.append(label)
            else:
                report.created.append(label)
    return report
