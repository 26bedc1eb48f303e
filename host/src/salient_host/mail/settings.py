"""Mail settings: who mail comes from, how it leaves (SMTP or Mailgun), and how hard the outbox tries.

Meant to sit under a `mail:` key of `config/salient.yaml`. Secrets never appear here: each is the *name* of an
environment variable (`password_env`, `api_key_env`, `secret_env`), read when a `Mailer` is built.

```yaml
mail:
  from_address: "Acme Sales <sales@acme.example>"
  reply_to: "team@acme.example"
  transport: smtp                 # smtp | mailgun
  smtp: {host: smtp.acme.example, port: 587, security: starttls, username: salient, password_env: SMTP_PASSWORD}
  mailgun: {domain: mg.acme.example, api_key_env: MAILGUN_API_KEY, region: eu}
  secret_env: SALIENT_MAIL_SECRET  # signs unsubscribe links
  unsubscribe_url: "https://chat.acme.example/mail/unsubscribe"
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from salient_host.mail.addresses import Recipient
from salient_host.mail.errors import InvalidAddress
from salient_host.problems import Problem

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Shorter secrets make forging a link a matter of brute force.
MIN_SECRET_LENGTH = 32
MAILGUN_BASE_URLS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
SMTP_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class _Strict(BaseModel):
    # A misspelt key must be an error, not a silently ignored setting (as in salient_host.config.schema).
    model_config = ConfigDict(extra="forbid", frozen=True)


def env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name (letters, digits, _)")
    return value


class SmtpSettings(_Strict):
    host: str = Field(default="127.0.0.1", min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535, description="Default: 587, 465 (tls) or 25 (none).")
    # starttls: plain connection upgraded with STARTTLS (refused if the server cannot); tls: TLS from the first
    # byte (port 465); none: no encryption, for a relay on this machine only.
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = Field(default=None, description="Environment variable holding the password.")
    validate_certs: bool = True
    cert_bundle: str | None = Field(default=None, description="CA bundle (PEM) for a server with a private CA.")
    timeout: float = Field(default=30.0, gt=0)
    local_hostname: str | None = Field(default=None, description="Name sent in EHLO; default: this machine's.")

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_name(value)

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> SmtpSettings:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("set both `username` and `password_env` for SMTP AUTH, or neither")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or SMTP_DEFAULT_PORTS[self.security]


class MailgunSettings(_Strict):
    domain: str = Field(min_length=1, description="The sending domain, as set up in Mailgun.")
    api_key_env: str = "MAILGUN_API_KEY"
    region: Literal["us", "eu"] = "us"
    base_url: str | None = Field(default=None, description="Overrides the region's API URL (a proxy, a test).")
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_name(value)

    @property
    def api_url(self) -> str:
        return (self.base_url or MAILGUN_BASE_URLS[self.region]).rstrip("/")


class MailSettings(_Strict):
    enabled: bool = True
    from_address: str = Field(description='The sender, e.g. "Acme Sales <sales@acme.example>".')
    reply_to: str | None = Field(default=None, description="Where the visitor's replies go; default: the rep.")
    brand: str = Field(default="Salient", min_length=1, max_length=100, description="Company name in messages.")
    transport: Literal["smtp", "mailgun"] = "smtp"
    smtp: SmtpSettings = SmtpSettings()
    mailgun: MailgunSettings | None = None
    secret_env: str = Field(default="SALIENT_MAIL_SECRET", description="Variable holding the link-signing secret.")
    unsubscribe_url: str | None = Field(
        default=None, description="Public URL of the unsubscribe routes, e.g. https://chat.example/mail/unsubscribe."
    )
    unsubscribe_link_days: int = Field(default=365, ge=1, description="How long an unsubscribe link keeps working.")
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_base_seconds: float = Field(default=30.0, gt=0, description="First retry delay; doubles each attempt.")
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    lease_seconds: float = Field(
        default=300.0, gt=0, description="A claimed delivery whose worker vanished is retried after this long."
    )
    batch_size: int = Field(default=10, ge=1, le=500, description="Deliveries one worker claims at a time.")
    poll_seconds: float = Field(default=15.0, gt=0, description="How often the background worker looks for work.")

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return env_name(value)

    @field_validator("from_address", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(Recipient.parse(value))
        except InvalidAddress as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("unsubscribe_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _transport_configured(self) -> MailSettings:
        if self.transport == "mailgun" and self.mailgun is None:
            raise ValueError("transport is mailgun but the `mailgun:` section (domain, api_key_env) is missing")
        timeout = self.mailgun.timeout if self.transport == "mailgun" and self.mailgun else self.smtp.timeout
        if self.lease_seconds <= timeout:
            # A send still running when its lease ends could be claimed by another worker and sent twice.
            raise ValueError(
                f"lease_seconds ({self.lease_seconds}) must be longer than the transport timeout ({timeout})"
            )
        return self

    @property
    def sender(self) -> Recipient:
        return Recipient.parse(self.from_address)

    def required_env(self) -> dict[str, str]:
        """Environment variables this configuration needs, each with the key that names it."""
        if not self.enabled:
            return {}
        needed = {"secret_env": self.secret_env}
        if self.transport == "smtp" and self.smtp.password_env:
            needed["smtp.password_env"] = self.smtp.password_env
        if self.transport == "mailgun" and self.mailgun is not None:
            needed["mailgun.api_key_env"] = self.mailgun.api_key_env
        return needed


def mail_problems(settings: MailSettings, env: Mapping[str, str], *, file: str, key: str = "mail") -> list[Problem]:
    """What keeps these settings from sending, in `salient config check`'s terms (file, key, message, fix)."""
    problems = []
    for field, name in settings.required_env().items():
        value = env.get(name, "")
        if not value:
            hint = "python -c 'import secrets; print(secrets.token_urlsafe(32))'" if field == "secret_env" else "..."
            problems.append(
                Problem(file, f"{key}.{field}", f"environment variable {name} is not set", f"export {name}={hint}")
            )
        elif field == "secret_env" and len(value) < MIN_SECRET_LENGTH:
            problems.append(
                Problem(
                    file,
                    f"{key}.{field}",
                    f"{name} is shorter than {MIN_SECRET_LENGTH} characters, so unsubscribe links could be forged",
                    f"export {name}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')",
                )
            )
    return problems
