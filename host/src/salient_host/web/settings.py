"""The web chat's settings (`SALIENT_WEB_*`), built once by whoever serves the app and passed to `create_web_app`."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from salient_host.config.schema import Config
from salient_host.engine.message_rules import MAX_MESSAGE_CHARS

# Account and agent names appear in cookie names and URL paths; the config's own name rule, checked again here.
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Where `make sync` installs the front-end packages (npm ci --prefix host/web), seen from this source file.
DEFAULT_VENDOR_DIR = Path(__file__).resolve().parents[3] / "web" / "node_modules"


class WebSettings(BaseSettings):
    """Cookies, limits and secrets of the web chat, the HTTP API and the admin view."""

    model_config = SettingsConfigDict(env_prefix="SALIENT_WEB_", extra="ignore")

    secret_key: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        description="Signs session and CSRF cookies. Set it when running replicas or to keep sessions over restarts.",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token for /admin; the admin view is off without."
    )
    redis_url: str | None = Field(
        default=None, description="Rate limits shared by host replicas; in-process when unset."
    )
    redis_prefix: str = Field(default="salient:rl:", description="Prefix of the rate-limit keys in Redis.")

    accounts: dict[str, list[str]] = Field(
        default_factory=lambda: {"demo": ["sales", "support", "concierge"]},
        description="Which agents each account offers on the web.",
    )
    default_account: str = "demo"
    default_agent: str = "sales"
    greeting: str = "Hi! Ask me about our products, orders or anything else. How can I help?"

    cookie_secure: bool | None = Field(
        default=None,
        description="Secure cookies; by default on unless the page is served over http on a loopback address.",
    )
    cookie_samesite: Literal["lax", "strict", "none"] = Field(
        default="lax", description="`none` (with https) lets the widget keep its session inside other sites' pages."
    )
    session_days: int = Field(default=30, ge=1, description="How long a visitor's chat session cookie lasts.")
    admin_hours: int = Field(default=8, ge=1, description="How long an admin sign-in lasts.")

    max_message_chars: int = Field(
        default=MAX_MESSAGE_CHARS, ge=1, description="Longer messages are refused (the CLI's limit is the default)."
    )
    max_body_bytes: int = Field(default=65536, ge=1024, description="Larger request bodies are refused with 413.")
    rate_window_s: int = Field(default=60, ge=1)
    rate_per_session: int = Field(default=20, ge=1, description="Messages and decisions per session per window.")
    rate_per_ip: int = Field(
        default=60, ge=1, description="Requests that start or continue turns, per client IP per window."
    )

    embed_origins: list[str] = Field(
        default_factory=lambda: ["*"], description="Sites allowed to frame the widget (CSP frame-ancestors)."
    )
    vendor_dir: Path = Field(default=DEFAULT_VENDOR_DIR, description="node_modules holding markdown-it and DOMPurify.")
    sse_ping_s: float = Field(default=15.0, gt=0, description="Seconds between keep-alive comments on an idle stream.")

    @field_validator("accounts")
    @classmethod
    def _names(cls, accounts: dict[str, list[str]]) -> dict[str, list[str]]:
        for account, agents in accounts.items():
            for name in (account, *agents):
                if not NAME.match(name):
                    raise ValueError(f"{name!r} is not a valid account or agent name (A-Z a-z 0-9 _ -, up to 64)")
        return accounts

    def offers(self, account: str, agent: str) -> bool:
        return agent in self.accounts.get(account, [])


def accounts_from_config(config: Config) -> dict[str, list[str]]:
    """The `accounts` setting as `config/salient.yaml` declares it (each account's agents)."""
    return {name: list(account.agents) for name, account in config.accounts.items()}
