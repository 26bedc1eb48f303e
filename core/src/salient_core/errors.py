"""Domain errors shared by every Salient server.

Services raise these; the tool layer (`salient_core.middleware.ErrorMapping`) turns them into a
`ToolError` whose text says what was wrong and what to call next. Anything else that escapes a tool
is unexpected: it is logged with a correlation id and masked to the client. `SalientError` is a
fastmcp `ToolError`, so its text reaches the client even where no middleware runs.

    SalientError
    ├── InvalidInput      the caller sent something the server cannot use (bad range, bad cursor, too long)
    │   └── ImportFailed  a data file could not be imported; nothing was written
    ├── NotFound          a record the caller named does not exist in the caller's account
    ├── Conflict          the request clashes with current state (slot taken, idempotency key reused)
    ├── PermissionDenied  the caller's token lacks a scope the tool needs
    └── RateLimited       a service the server relies on (HubSpot, Nylas) keeps refusing for now; wait and retry

An error's `details` reach the client in the error result's `_meta` as well as in its text, for clients that act
on them: a `RateLimited` error carries `{"retry_after_seconds": N}`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastmcp.exceptions import ToolError


class SalientError(ToolError):
    """Base of every error a Salient server reports to its client on purpose.

    Args:
        message: What was wrong, naming the offending value with `!r`.
        hint: What the caller should do next ("Call search_products first.").
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        # A ToolError, so fastmcp passes the text through and logs one line instead of a traceback.
        super().__init__(message, log_level=logging.INFO)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    @property
    def details(self) -> dict[str, Any]:
        """Structured facts a client can act on, sent in the error result's `_meta`; none by default."""
        return {}


class InvalidInput(SalientError):
    """The request cannot be carried out as sent; nothing was changed."""


class ImportFailed(InvalidInput):
    """A data file could not be imported and nothing was written; `problems` lists each bad record and where."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class NotFound(SalientError):
    """A named record does not exist for this account."""


class Conflict(SalientError):
    """The request clashes with the current state; nothing was changed."""


def key_reused(key: str, first_use: str, *, request: str = "request") -> Conflict:
    """The refusal of an idempotency key sent again with different arguments; nothing is changed.

    Args:
        key: The idempotency key as the caller sent it.
        first_use: What the key was first used for, as it follows "was already used", e.g. "for booking 'bk_1'".
        request: What one key stands for, in the hint ("booking", "adjustment").
    """
    return Conflict(
        f"Idempotency key {key!r} was already used {first_use}.",
        hint=f"Use a new key for a different {request}; reuse a key only to retry the same one.",
    )


class PermissionDenied(SalientError):
    """The caller is not allowed to do this."""


class RateLimited(SalientError):
    """A service this server relies on keeps answering "too many requests"; nothing was changed.

    Args:
        retry_after_seconds: How long the service asked to wait (rounded up to whole seconds, at least 1).
    """

    def __init__(self, message: str, *, hint: str | None = None, retry_after_seconds: float = 1) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_seconds = whole_seconds(retry_after_seconds)

    @property
    def details(self) -> dict[str, Any]:
        return {"retry_after_seconds": self.retry_after_seconds}


def whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
