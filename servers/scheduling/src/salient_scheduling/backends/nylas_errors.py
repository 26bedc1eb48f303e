"""Nylas API errors as scheduling errors, and the wait a 429 asks for.

Nylas answers errors as `{"request_id": ..., "error": {"type": ..., "message": ...}}`; the SDK raises them as
`NylasApiError` with the status, the type and the response headers. What the caller can do differs by status,
so each gets its own error and hint: fix the key (401/403), fix the rep's grant (404), wait (429), retry (5xx).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nylas.models.errors import NylasApiError
from salient_core.errors import whole_seconds

from salient_scheduling.errors import ProviderNotFound, ProviderRateLimited, ProviderRefused, ProviderUnavailable

# Without a Retry-After, back off 1, 2, 4 ... seconds.
BACKOFF_BASE = 1.0


def retry_after(headers: Mapping[str, str] | None, attempt: int) -> float:
    """Seconds to wait before the next try: the Retry-After header (seconds or an HTTP date), else backoff."""
    raw = (headers or {}).get("Retry-After")
    if raw is not None:
        raw = raw.strip()
        if raw.isdigit():
            return float(raw)
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            pass
        else:
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return BACKOFF_BASE * 2**attempt


def domain_error(what: str, exc: NylasApiError, retries: int, wait: float) -> ProviderUnavailable:
    status = exc.status_code
    said = f"{status} {exc.type}: {exc}"
    if status in (401, 403):
        return ProviderRefused(
            f"Nylas refused the request ({what}; {said})",
            hint="Check SALIENT_SCHEDULING_NYLAS_API_KEY and that the rep's grant belongs to this Nylas application.",
        )
    if status == 404:
        return ProviderNotFound(
            f"Nylas found nothing for {what} ({said})",
            hint="Check the rep's Nylas grant id (reps.grant_id), or reconnect their calendar.",
        )
    if status == 429:
        seconds = whole_seconds(wait)
        return ProviderRateLimited(
            f"Nylas is rate limiting {what} (429 after {retries} retries; it asks to wait {seconds} s)",
            hint=f"Retry the same call (with the same idempotency key) in {seconds} s.",
            retry_after_seconds=seconds,
        )
    return ProviderUnavailable(f"Nylas answered {what} with {said}")
