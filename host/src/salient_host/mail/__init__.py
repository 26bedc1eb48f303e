"""E-mail for the host: conversation summaries to visitors and reps, an outbox with retries, opt-outs.

```python
mailer = Mailer.from_settings(settings, db)          # MailSettings; secrets read from the environment
await upgrade(db, MAIL_MIGRATIONS)                   # salient_core.migrate.upgrade
await mailer.queue_summary(account, session_id, visitor=..., rep=..., subject=..., summary_markdown=...)
await mailer.deliver_due()                           # or keep `mailer.run()` going as a task
routes = unsubscribe_routes(mailer)                  # mount where settings.unsubscribe_url points
```
"""

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
from salient_host.mail.mailer import MAIL_MIGRATIONS, DeliveryRun, Mailer
from salient_host.mail.outbox import DeliveryInfo
from salient_host.mail.settings import MailgunSettings, MailSettings, SmtpSettings, mail_problems
from salient_host.mail.web import unsubscribe_routes

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
