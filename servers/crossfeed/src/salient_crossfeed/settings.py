"""Crossfeed settings: the shared server settings under the `SALIENT_CROSSFEED_` prefix, plus mining thresholds."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from salient_core.settings import ServerSettings


class CrossfeedSettings(ServerSettings):
    model_config = SettingsConfigDict(env_prefix="SALIENT_CROSSFEED_", extra="ignore")

    port: int = Field(8105, ge=0, le=65535)
    min_support: float = Field(0.005, ge=0, le=1, description="Share of all orders that hold both products.")
    min_confidence: float = Field(0.1, ge=0, le=1, description="Share of orders with A that also hold B.")
    min_lift: float = Field(1.2, ge=0, description="Confidence divided by B's share of orders; 1 means no affinity.")
    min_pair_orders: int = Field(3, ge=1, description="Orders a pair needs before it counts as evidence.")
