"""Opaque cursors and paginated results.

A cursor carries an offset and a fingerprint of the query and account it belongs to, so a cursor replayed
against another query or account is refused with a clear error instead of returning a wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from salient_core.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many there are in all, and the cursor for the next page."""

    items: list[T]
    total: int = Field(description="Number of matching items across all pages.")
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last."
    )


def fingerprint(account: str, query: Any) -> str:
    """A short digest of everything that defines a result set (except the page position)."""
    blob = json.dumps([account, query], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def encode_cursor(offset: int, fp: str) -> str:
    raw = json.dumps({"o": offset, "f": fp}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, fp: str) -> int:
    """The offset stored in `cursor`; 0 when there is none.

    Raises:
        InvalidInput: the cursor is malformed or was issued for another query or account.
    """
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, cursor_fp = int(data["o"]), str(data["f"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            f"Malformed cursor {cursor[:40]!r}.",
            hint="Pass the next_cursor of the previous result unchanged.",
        ) from exc
    if cursor_fp != fp or offset < 0:
        raise InvalidInput(
            "This cursor belongs to a different query or account.",
            hint="Repeat the original call with the same arguments, or drop the cursor to start from page one.",
        )
    return offset


def next_cursor(offset: int, limit: int, total: int, fp: str) -> str | None:
    end = offset + limit
    return encode_cursor(end, fp) if end < total else None
