"""What can go wrong with mail, as one hierarchy:

```
MailError
├── MailConfigError        the settings cannot be used: a missing secret or env var, no unsubscribe URL
│   └── MailDisabled       `mail.enabled` is false, so nothing may be queued
├── InvalidAddress         a sender or recipient that is not an e-mail address
├── BadUnsubscribeToken    an unsubscribe token that is forged, tampered with, expired or unreadable
└── SendFailure            a transport could not hand a message over
    ├── TransientFailure   worth retrying: SMTP 4xx, connection errors, timeouts, Mailgun 429 and 5xx
    └── PermanentFailure   retrying will not help: SMTP 5xx, Mailgun 4xx (a bad key included)
```
"""

from __future__ import annotations

from salient_host.errors import SalientHostError


class MailError(SalientHostError):
    """Base of every mail error."""


class MailConfigError(MailError):
    """The mail settings cannot be used as they are; the message says what to set."""


class MailDisabled(MailConfigError):
    def __init__(self) -> None:
        super().__init__("mail is disabled (mail.enabled: false); nothing was queued")


class InvalidAddress(MailError, ValueError):
    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r} is not a usable e-mail address: {reason}")
        self.value, self.reason = value, reason


class BadUnsubscribeToken(MailError):
    """The token in an unsubscribe link cannot be trusted; `reason` is safe to show to its holder."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SendFailure(MailError):
    """A transport did not accept the message; `reason` is what the delivery record keeps."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientFailure(SendFailure):
    """Worth another attempt later; `retry_after` is the provider's wish in seconds, when it said one."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(SendFailure):
    """The provider refused the message for good; the delivery is marked failed with the reason."""
