"""Scheduling settings: the shared server settings under the `SALIENT_SCHEDULING_` prefix."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class SchedulingSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_SCHEDULING_", extra="ignore")

    port: int = Field(8103, ge=0, le=65535)
    now: AwareDatetime | None = Field(
        None, description="Pin the server's clock to this instant (demos and tests); default: the real time."
    )
    backend: Literal["local", "nylas"] = Field(
        "local", description="Where reps' calendars live: the server's database only, or Nylas as well."
    )
    nylas_api_key: SecretStr | None = Field(None, description="Nylas v3 API key; required with backend 'nylas'.")
    nylas_api_uri: str = Field("https://api.us.nylas.com", description="Nylas API base URL (EU: api.eu.nylas.com).")
    nylas_timeout: int = Field(20, ge=1, le=300, description="Seconds to wait for one Nylas request.")
    nylas_max_retries: int = Field(3, ge=0, le=10, description="Retries of a request Nylas answered with 429.")
    nylas_max_retry_wait: float = Field(
        10.0, ge=0, le=120, description="Longest Retry-After (seconds) honoured before giving up on a 429."
    )

    @model_validator(mode="after")
    def _nylas_needs_a_key(self) -> Self:
        if self.backend == "nylas" and self.nylas_api_key is None:
            raise ValueError("backend 'nylas' needs SALIENT_SCHEDULING_NYLAS_API_KEY (a Nylas v3 API key)")
        return self
