"""Settings every server shares; each server subclasses `ServerSettings` with its own env prefix.

Settings are built once in `main()` (environment, then command-line flags on top) and passed down;
nothing reads the environment at import time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from salient_core.accounts import require_demo_account

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
DEFAULT_RATE_LIMIT = "600/minute"


def default_data_dir() -> Path:
    """Per-user data directory, e.g. `~/.local/share/salient` on Linux."""
    return Path(user_data_dir("salient", appauthor=False))


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServerSettings(BaseSettings):
    """Settings common to every Salient MCP server.

    Subclasses set `model_config = SettingsConfigDict(env_prefix="SALIENT_<NAME>_")` and add their own fields.
    """

    model_config = SettingsConfigDict(env_prefix="SALIENT_", extra="ignore")

    account: str = Field("demo", min_length=1, max_length=64, description="Account served over stdio.")
    db: str | None = Field(None, description="Database URL; default is SQLite in the data directory.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where embedded data lives.")
    demo: bool = Field(
        False, description="Load the demo company's slice on start when the account is empty (account demo only)."
    )

    http: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    path: str = "/mcp"
    stateless_http: bool = Field(
        False, description="Run HTTP without server-side sessions (replicas behind a load balancer)."
    )
    shutdown_timeout: int = Field(
        20,
        ge=0,
        description="Seconds a SIGTERM waits for requests in flight before cutting them (Kubernetes waits 30).",
    )
    allowed_hosts: list[str] = Field(default_factory=list, description="Extra Host header values accepted.")
    allowed_origins: list[str] = Field(default_factory=list, description="Browser origins accepted.")

    require_auth: bool = Field(False, description="Demand a token over HTTP even when none exist yet.")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_jwks_url: str | None = None
    jwt_public_key: SecretStr | None = Field(None, description="PEM public key or HMAC secret for JWTs.")
    jwt_algorithm: str = "RS256"
    jwt_account_claim: str = Field("account", description="JWT claim that names the caller's account.")

    rate_limit: str = Field(
        DEFAULT_RATE_LIMIT,
        description="Requests per token over HTTP, e.g. '600/minute' or '20/second; 600/minute', or 'off'.",
    )
    redis_url: SecretStr | None = Field(
        None, description="Redis URL (redis://host:6379/0) where replicas share their rate-limit counts."
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["plain", "json"] = "plain"

    @field_validator("path")
    @classmethod
    def _path_starts_with_slash(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"path must start with '/', got {value!r}")
        return value.rstrip("/") or "/"

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        if value != DEFAULT_RATE_LIMIT:  # the default is known to parse (tests/core/test_rate_limits.py)
            # The rate limits' module brings `limits` (every storage backend) and redis; a server that keeps the
            # default, and every stdio server, starts without them.
            from salient_core.ratelimit import parse_rate_limit

            parse_rate_limit(value)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("redis://", "rediss://")):
            raise ValueError("redis_url must start with redis:// or rediss://")
        return value

    @property
    def jwt_configured(self) -> bool:
        return bool(self.jwt_jwks_url or self.jwt_public_key)

    def check_demo(self) -> None:
        """With `demo` on, refuse (`InvalidInput`) any account but the demo one; see `require_demo_account`."""
        if self.demo:
            require_demo_account(self.account, env_var=f"{self.model_config.get('env_prefix', '')}DEMO")

    def database_url(self, name: str) -> str:
        """The configured URL, or the server's own SQLite file in the data directory."""
        if self.db:
            return self.db
        return f"sqlite:///{self.data_dir / f'{name}.db'}"
