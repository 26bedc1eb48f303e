"""CRM errors, on top of the shared hierarchy in `salient_core.errors`.

SalientError
├── InvalidInput
│   ├── UnknownField        a property name the object type does not have
│   ├── InvalidEmail        an address that is not a valid email
│   └── ConsentRequired     marketing preferences sent without the contact's consent
├── NotFound
│   └── UnknownRecord       no record with that id (of that type) in this account
├── Conflict
│   └── AlreadyArchived     archiving a record that is already archived
├── PermissionDenied
│   └── HubSpotAuthFailed   HubSpot refused the private app's token (401/403)
├── HubSpotNotSetUp         the portal lacks Salient's custom properties (`salient-crm hubspot setup` makes them)
└── HubSpotUnavailable      HubSpot failed (5xx, network) after bounded retries
    └── HubSpotRateLimited  HubSpot kept answering 429 (also a core `RateLimited`: `retry_after_seconds`)
"""

from __future__ import annotations

from salient_core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RateLimited, SalientError


class UnknownField(InvalidInput):
    def __init__(self, object_type: str, field: str, known: list[str]) -> None:
        super().__init__(
            f"A {object_type} has no field {field!r}.",
            hint=f"Fields of {object_type}: {', '.join(known)}.",
        )


class InvalidEmail(InvalidInput):
    def __init__(self, email: str, reason: str) -> None:
        super().__init__(f"{email!r} is not a valid email address: {reason}", hint="Ask for the address again.")


class ConsentRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "Marketing preferences need the contact's consent, and none is recorded.",
            hint="Ask the visitor first, then call capture_profile with consent {given: true, source: ...}.",
        )


class UnknownRecord(NotFound):
    def __init__(self, object_type: str, record_id: str) -> None:
        super().__init__(
            f"No {object_type} {record_id!r} in this CRM.",
            hint=f"Call search_records with object_type={object_type!r} to find its id.",
        )


class AlreadyArchived(Conflict):
    def __init__(self, object_type: str, record_id: str) -> None:
        super().__init__(f"The {object_type} {record_id!r} is already archived.", hint="Nothing to do.")


class HubSpotAuthFailed(PermissionDenied):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(
            f"HubSpot refused the access token ({status}): {message}",
            hint="An operator must set SALIENT_CRM_HUBSPOT_TOKEN to a private app token with the CRM scopes.",
        )


class HubSpotNotSetUp(SalientError):
    """HubSpot refused a write naming properties it does not have: Salient's own were never created there."""

    def __init__(self, properties: list[str]) -> None:
        names = ", ".join(repr(p) for p in properties)
        super().__init__(
            f"The HubSpot portal has no propert{'y' if len(properties) == 1 else 'ies'} {names}: it has not been set "
            "up for Salient. Nothing was changed.",
            hint="An operator must run `salient-crm hubspot setup` once (it creates Salient's custom properties), "
            "then retry.",
        )


class HubSpotUnavailable(SalientError):
    """HubSpot could not answer: rate limited past the retries, a server error, or unreachable. Nothing to fix."""


class HubSpotRateLimited(HubSpotUnavailable, RateLimited):
    """HubSpot kept answering 429 past the retries; the client learns how long HubSpot asked it to wait."""
