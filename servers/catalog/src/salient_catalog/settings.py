"""Catalog settings: the shared server settings under the `SALIENT_CATALOG_` prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class CatalogSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_CATALOG_", extra="ignore")

    port: int = Field(8101, ge=0, le=65535)
    default_currency: str = Field("USD", min_length=3, max_length=3)
