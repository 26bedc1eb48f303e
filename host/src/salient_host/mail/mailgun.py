"""Sending through Mailgun's HTTP API: `POST /v3/{domain}/messages.mime` with the composed message.

The request is multipart: the MIME message as the `message` file and each recipient as a `to` field; basic auth
with user `api` and the API key. 200 answers `{"id": "<...>", "message": "Queued. Thank you."}`. 429 and 5xx
(and a network failure) are transient, honouring `Retry-After`; any other 4xx (401 for a bad key, 400 for a
malformed request, 404 for an unknown domain) is permanent.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import httpx

from salient_host.mail.errors import PermanentFailure, TransientFailure
from salient_host.mail.settings import MailgunSettings


class MailgunTransport:
    name = "mailgun"

    def __init__(self, settings: MailgunSettings, *, api_key: str, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.url = f"{settings.api_url}/v3/{settings.domain}/messages.mime"
        self._auth = httpx.BasicAuth("api", api_key)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=settings.timeout)

    async def send(self, mime: bytes, *, sender: str, recipients: list[str]) -> str | None:
        try:
            response = await self._client.post(
                self.url,
                auth=self._auth,
                data={"to": recipients},
                files={"message": ("message.mime", mime, "message/rfc822")},
                timeout=self.settings.timeout,
            )
        except httpx.HTTPError as exc:
            raise TransientFailure(f"Mailgun unreachable: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 200:
            try:
                return str(response.json()["id"])[:300]
            except (ValueError, KeyError, TypeError):
                return None  # accepted all the same
        reason = f"Mailgun {status}: {_message(response)}"
        if status == 401:
            reason += f" (check the API key in ${self.settings.api_key_env} and the region)"
        if status == 429 or status >= 500:
            raise TransientFailure(reason, retry_after=_retry_after(response))
        raise PermanentFailure(reason)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, whether sent as seconds or as an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
