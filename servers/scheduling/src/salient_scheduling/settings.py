"""Scheduling settings: the shared server settings under the `SALIENT_SCHEDULING_` prefix."""

from __future__ import annotations

from pydantic import AwareDatetime, Field
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class SchedulingSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_SCHEDULING_", extra="ignore")

    port: int = Field(8103, ge=0, le=65535)
    now: AwareDatetime | None = Field(
        None, description="Pin the server's clock to this instant (demos and tests); default: the real time."
    )
