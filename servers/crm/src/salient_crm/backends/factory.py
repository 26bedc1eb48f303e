"""Choosing the backend the settings ask for."""

from __future__ import annotations

from salient_core.db import Database

from salient_crm.backends.base import Backend
from salient_crm.backends.local import LocalBackend
from salient_crm.settings import CrmSettings


def open_backend(db: Database, settings: CrmSettings) -> Backend:
    if settings.backend == "local":
        return LocalBackend(db)
    assert settings.hubspot_token is not None  # CrmSettings refuses "hubspot" without a token
    # The HubSpot backend and its client (hubspot-api-client, urllib3) load only when the settings choose it.
    from salient_crm.backends.hubspot import HubSpotBackend
    from salient_crm.backends.hubspot_api import HubSpotApi

    api = HubSpotApi(
        settings.hubspot_token.get_secret_value(), settings.hubspot_base_url, search_rate=settings.hubspot_search_rate
    )
    # Idempotency keys stay in this server's database: HubSpot has no place for them.
    return HubSpotBackend(db, api, account=settings.account)
