"""Calling HubSpot through the synchronous `hubspot-api-client`: in a worker thread, within its rate limits.

Every call goes through `HubSpotApi.call`, which runs the SDK in `asyncio.to_thread`, retries a 429 after the
`Retry-After` it names (a bounded number of times), spaces search requests to HubSpot's per-token search limit,
and turns HubSpot's error answers into the server's domain errors.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any

from hubspot import HubSpot
from salient_core.errors import Conflict, InvalidInput, NotFound, SalientError, whole_seconds
from urllib3.util.retry import Retry

from salient_crm.errors import HubSpotAuthFailed, HubSpotNotSetUp, HubSpotRateLimited, HubSpotUnavailable

log = logging.getLogger(__name__)

MAX_RETRIES = 3
MAX_RETRY_AFTER = 30.0  # seconds; a longer wait is reported to the caller rather than slept through
DEFAULT_RETRY_AFTER = 1.0  # HubSpot's per-second limit, for a 429 that names no wait
REQUEST_TIMEOUT = 30.0


class HubSpotApi:
    """The SDK's API objects for one private-app token, built once (each holds its own connection pool)."""

    def __init__(self, token: str, base_url: str, *, search_rate: float) -> None:
        # urllib3 would itself retry a 429 with Retry-After three times, asleep in a worker thread: leave 429s to
        # `call`, so the bound is exactly MAX_RETRIES and the waits are async. Refused connections may retry.
        no_status_retries = Retry(connect=2, read=0, redirect=0, status=0, other=0, respect_retry_after_header=False)
        client = HubSpot(access_token=token, host=base_url.rstrip("/"), retry=no_status_retries)
        self.objects = client.crm.objects.basic_api
        self.batch = client.crm.objects.batch_api
        self.search_api = client.crm.objects.search_api
        self.associations = client.crm.associations.v4.basic_api
        self.owners = client.crm.owners.owners_api
        self.pipelines = client.crm.pipelines.pipelines_api
        self.properties = client.crm.properties.core_api
        self.property_groups = client.crm.properties.groups_api
        self._search_interval = 1.0 / search_rate
        self._search_lock = asyncio.Lock()
        self._last_search = 0.0
        pools = [
            api.api_client.rest_client.pool_manager
            for api in (
                self.objects,
                self.batch,
                self.search_api,
                self.associations,
                self.owners,
                self.pipelines,
                self.properties,
                self.property_groups,
            )
        ]
        # Core's lifespan has no teardown hook for server state: close the kept-alive sockets when the backend
        # goes, so they are not left for the garbage collector to complain about.
        weakref.finalize(self, _close_pools, pools)

    async def call(self, fn: Callable[..., object], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` in a worker thread; a 429 is retried after its Retry-After, up to MAX_RETRIES.

        Returns `Any`: the SDK's generated methods are annotated with the union of every response type.
        """
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await asyncio.to_thread(fn, *args, _request_timeout=REQUEST_TIMEOUT, **kwargs)
            except Exception as exc:  # the SDK raises one ApiException class per API package
                status = getattr(exc, "status", None)
                if status is None and not _is_network_error(exc):
                    raise
                if status == 429 and attempt < MAX_RETRIES:
                    wait = _retry_after(exc)
                    if wait <= MAX_RETRY_AFTER:
                        log.info("HubSpot answered 429; retrying in %.1fs (%d/%d)", wait, attempt + 1, MAX_RETRIES)
                        await asyncio.sleep(wait)
                        continue
                raise to_domain_error(exc, retries=attempt) from exc
        raise AssertionError("unreachable: the loop returns or raises")

    async def search(self, object_type: str, body: Any) -> Any:
        """One search request, no sooner than HubSpot's search rate allows after the previous one."""
        async with self._search_lock:
            wait = self._last_search + self._search_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_search = time.monotonic()
        return await self.call(self.search_api.do_search, object_type, public_object_search_request=body)


def _close_pools(pools: list[Any]) -> None:
    for pool in pools:
        pool.clear()


def _is_network_error(exc: Exception) -> bool:
    import urllib3.exceptions

    return isinstance(exc, urllib3.exceptions.HTTPError | OSError)


def _retry_after(exc: Any) -> float:
    headers = getattr(exc, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(raw)) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:  # an HTTP date instead of seconds: HubSpot sends seconds, so wait the default
        return DEFAULT_RETRY_AFTER


def error_body(exc: Any) -> dict[str, Any]:
    """HubSpot's error JSON (`status`, `message`, `correlationId`, `category`), or {} if it sent something else."""
    body = getattr(exc, "body", None)
    try:
        data = json.loads(body) if body else {}
    except (ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def refused_values(message: str) -> list[dict[str, Any]]:
    """The per-property results in a 400's message, or [] if it has none.

    HubSpot reports refused property values as `Property values were not valid: [<JSON list>]`, each result
    with `error` (`PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`, ...), `name` and `message`.
    """
    _, found, listed = message.partition("Property values were not valid: ")
    try:
        results: object = json.loads(listed) if found else []
    except ValueError:
        return []
    if not isinstance(results, list):
        return []
    return [r for r in results if isinstance(r, dict)]  # pyright: ignore[reportUnknownVariableType]


def to_domain_error(exc: Exception, *, retries: int = 0) -> SalientError:
    status: int | None = getattr(exc, "status", None)
    if status is None:
        return HubSpotUnavailable(
            f"HubSpot could not be reached: {exc}.", hint="Try again later; search first, as the write may have landed."
        )
    body = error_body(exc)
    message = str(body.get("message") or getattr(exc, "reason", "") or "no message")
    detail = f"{message} (HubSpot correlation id {body['correlationId']})" if body.get("correlationId") else message
    if status == 404:
        return NotFound(f"HubSpot: {detail}")
    if status == 409:
        return Conflict(f"HubSpot: {detail}")
    if status == 400:
        refused = refused_values(message)
        if missing := [str(r.get("name")) for r in refused if r.get("error") == "PROPERTY_DOESNT_EXIST"]:
            return HubSpotNotSetUp(missing)
        if refused:
            said = "; ".join(f"{r.get('name')}: {r.get('message')}" for r in refused)
            return InvalidInput(f"HubSpot refused the values: {said}.", hint="Nothing was changed.")
        return InvalidInput(f"HubSpot refused the request: {detail}")
    if status in (401, 403):
        return HubSpotAuthFailed(status, detail)
    if status == 429:
        wait = whole_seconds(_retry_after(exc))
        return HubSpotRateLimited(
            f"HubSpot is rate limiting this token and still answered 429 after {retries} retries: {detail}",
            hint=f"Wait {wait} s and try again; nothing was changed by this call.",
            retry_after_seconds=wait,
        )
    return HubSpotUnavailable(f"HubSpot failed ({status}): {detail}", hint="Try again later.")
