"""A contact's visitor profile in HubSpot: interests, preferences and consent history as custom contact properties.

HubSpot's own subscription types record *whether* a contact is subscribed, not the wording they agreed to or
where; the history, with time and source of every change, is kept as JSON in `salient_consent_history`.
"""

from __future__ import annotations

import json
from typing import Any

from salient_core.db import utcnow
from salient_core.errors import NotFound

from salient_crm.backends import hubspot_map as hs
from salient_crm.backends.hubspot_api import HubSpotApi
from salient_crm.errors import UnknownRecord
from salient_crm.schemas import Consent, Profile
from salient_crm.validation import iso_utc


async def read_profile(api: HubSpotApi, contact_id: str) -> Profile | None:
    try:
        obj = await api.call(
            api.objects.get_by_id, "contacts", contact_id, properties=list(hs.PROFILE_PROPS), archived=False
        )
    except NotFound:
        return None
    props: dict[str, Any] = obj.properties or {}
    if not any(props.get(p) for p in hs.PROFILE_PROPS):
        return None
    history = [Consent.model_validate(c) for c in json.loads(props.get("salient_consent_history") or "[]")]
    updated = props.get("salient_profile_updated_at")
    return Profile(
        contact_id=contact_id,
        interests=json.loads(props.get("salient_interests") or "[]"),
        preferences=json.loads(props.get("salient_preferences") or "{}"),
        consent=history[-1] if history else None,
        consent_history=history,
        updated_at=hs.parse_time(updated) if updated else None,
    )


async def write_profile(api: HubSpotApi, profile: Profile) -> Profile:
    now = utcnow()
    values = {
        "salient_interests": json.dumps(profile.interests),
        "salient_preferences": json.dumps(profile.preferences),
        "salient_consent_history": json.dumps([c.model_dump(mode="json") for c in profile.consent_history]),
        "salient_profile_updated_at": iso_utc(now),
    }
    try:
        await api.call(api.objects.update, "contacts", profile.contact_id, {"properties": values})
    except NotFound:
        raise UnknownRecord("contact", profile.contact_id) from None
    return profile.model_copy(update={"updated_at": now})
