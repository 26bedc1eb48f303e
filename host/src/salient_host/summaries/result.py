"""What a summary ends in: its result, or the errors that say why it was not made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salient_host.errors import SalientHostError

SUMMARY_ROLE = "summary"  # the role of the message that stores a sent summary in the session


class SummaryError(SalientHostError):
    """A summary that cannot be made; the message says why (it is shown to the model or logged)."""


class SummaryUnavailable(SummaryError):
    """A summary that cannot be made now (the model or the mail queue failing, a budget spent); later it may."""


@dataclass
class SummaryResult:
    status: str  # queued | already_sent
    recipients: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    booking_id: str | None = None
    activity_id: str | None = None
    text: str = ""

    def for_model(self) -> dict[str, Any]:
        if self.status == "already_sent":
            return {"status": "already_sent", "note": "A summary of this conversation was sent already."}
        return {
            "status": "queued",
            "sent_to": self.recipients,
            "not_sent": [{"to": a, "why": "they unsubscribed from our e-mail"} for a in self.suppressed],
            "invite_attached": self.booking_id is not None,
            "logged_in_crm": self.activity_id is not None,
        }
