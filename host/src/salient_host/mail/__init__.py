"""E-mail for the host: conversation summaries to visitors and reps, an outbox with retries, opt-outs.

```python
mailer = Mailer.from_settings(settings, db)          # MailSettings; secrets read from the environment
await upgrade(db, MAIL_MIGRATIONS)                   # salient_core.migrate.upgrade
await mailer.queue_summary(account, session_id, visitor=..., rep=..., subject=..., summary_markdown=...)
await mailer.deliver_due()                           # or keep `mailer.run()` going as a task
routes = unsubscribe_routes(mailer)                  # mount where settings.unsubscribe_url points
```
"""

import importlib
from typing import TYPE_CHECKING, Any

from salient_host.mail.addresses import Recipient
from salient_host.mail.errors import (
    BadUnsubscribeToken,
    InvalidAddress,
    MailConfigError,
    MailDisabled,
    MailError,
    PermanentFailure,
    SendFailure,
    TransientFailure,
)
from salient_host.mail.settings import MailgunSettings, MailSettings, SmtpSettings, mail_problems

if TYPE_CHECKING:
    from salient_host.mail.mailer import MAIL_MIGRATIONS, DeliveryRun, Mailer
    from salient_host.mail.outbox import DeliveryInfo
    from salient_host.mail.web import unsubscribe_routes

# The host's configuration reads `MailSettings` on every command, `salient --version` included; the mailer, its
# outbox (SQLAlchemy) and its web routes load on first use, so those commands do not import a database stack.
_LAZY = {
    "MAIL_MIGRATIONS": "salient_host.mail.mailer",
    "DeliveryRun": "salient_host.mail.mailer",
    "Mailer": "salient_host.mail.mailer",
    "DeliveryInfo": "salient_host.mail.outbox",
    "unsubscribe_routes": "salient_host.mail.web",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "MAIL_MIGRATIONS",
    "BadUnsubscribeToken",
    "DeliveryInfo",
    "DeliveryRun",
    "InvalidAddress",
    "MailConfigError",
    "MailDisabled",
    "MailError",
    "MailSettings",
    "Mailer",
    "MailgunSettings",
    "PermanentFailure",
    "Recipient",
    "SendFailure",
    "SmtpSettings",
    "TransientFailure",
    "mail_problems",
    "unsubscribe_routes",
]
