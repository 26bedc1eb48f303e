"""Choosing the backend the settings ask for."""

from __future__ import annotations

from salient_core.db import Database

from salient_crm.backends.base import Backend
from salient_crm.backends.local import LocalBackend
from salient_crm.settings import CrmSettings


def open_backend(db: Database, settings: CrmSettings) -> Backend:
    # One branch today; a HubSpot backend would be chosen here by `settings.backend`.
    assert settings.backend == "local"
    return LocalBackend(db)
