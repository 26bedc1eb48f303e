"""CRM settings: the shared server settings under the `SALIENT_CRM_` prefix, plus the backend choice."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class CrmSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_CRM_", extra="ignore")

    port: int = Field(8102, ge=0, le=65535)
    # Only the local backend exists so far; the field is here so configs name their choice (docs/adr/0006).
    backend: Literal["local"] = Field("local", description="Where records live: this server's own database.")
    default_currency: str = Field("USD", min_length=3, max_length=3)
