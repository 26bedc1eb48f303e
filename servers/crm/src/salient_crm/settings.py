"""CRM settings: the shared server settings under the `SALIENT_CRM_` prefix, plus the backend choice."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class CrmSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_CRM_", extra="ignore")

    port: int = Field(8102, ge=0, le=65535)
    backend: Literal["local", "hubspot"] = Field(
        "local", description="Where records live: this server's own database, or a HubSpot portal (docs/adr/0006)."
    )
    hubspot_token: SecretStr | None = Field(None, description="A HubSpot private app's access token.")
    hubspot_base_url: str = Field("https://api.hubapi.com", description="HubSpot's API root.")
    hubspot_search_rate: float = Field(
        5.0, gt=0, le=1000, description="Search requests per second; HubSpot allows about 5 per token."
    )
    default_currency: str = Field("USD", min_length=3, max_length=3)

    @model_validator(mode="after")
    def _hubspot_needs_a_token(self) -> Self:
        if self.backend == "hubspot" and (self.hubspot_token is None or not self.hubspot_token.get_secret_value()):
            raise ValueError(
                "backend 'hubspot' needs hubspot_token (SALIENT_CRM_HUBSPOT_TOKEN): "
                "the access token of a HubSpot private app with the CRM scopes"
            )
        return self
