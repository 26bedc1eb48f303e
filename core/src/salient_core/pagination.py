"""Opaque cursors and paginated results.

A cursor carries an offset and a fingerprint of the query and account it belongs to, so a cursor replayed
against another query or account is refused with a clear error instead of returning a wrong page.

A tool takes a `Cursor` argument; its service opens a `PageRequest` from it (checking the cursor against the
query) and answers with a `Page[T]` whose `next_cursor` the request works out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import BaseModel, Field

from salient_core.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Bounds on what a cursor may hold: far beyond any real list, well inside a 64-bit SQL integer.
MAX_OFFSET = 1_000_000_000
MAX_CURSOR_CHARS = 200  # ours are about 50


T = TypeVar("T")

# The `cursor` argument of every paginated tool. Longer than any cursor issued, so that a mangled one is refused by
# `decode_cursor` with a hint rather than by the schema.
Cursor = Annotated[str | None, Field(max_length=500, description="next_cursor of the previous page.")]


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

    A cursor comes back from the client, so it is checked in full before its offset is used: the JSON object
    `encode_cursor` writes and nothing else, a whole offset from 0 to `MAX_OFFSET` (a forged `1e999` or `2**63`
    would otherwise reach arithmetic or the database as an internal error), and this query's fingerprint.

    Raises:
        InvalidInput: the cursor is malformed or was issued for another query or account.
    """
    if not cursor:
        return 0
    data = _cursor_data(cursor)
    offset, cursor_fp = data.get("o"), data.get("f")
    if (
        set(data) != {"o", "f"}
        or type(offset) is not int  # not bool, float or str: encode_cursor writes a plain int
        or not 0 <= offset <= MAX_OFFSET
        or not isinstance(cursor_fp, str)
    ):
        raise _malformed(cursor)
    if cursor_fp != fp:
        raise InvalidInput(
            "This cursor belongs to a different query or account.",
            hint="Repeat the original call with the same arguments, or drop the cursor to start from page one.",
        )
    return offset


def _cursor_data(cursor: str) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR_CHARS:
        raise _malformed(cursor)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # binascii.Error and UnicodeError are ValueErrors
        raise _malformed(cursor) from exc
    if not isinstance(data, dict):
        raise _malformed(cursor)
    return cast(dict[str, Any], data)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")  # NaN, Infinity, -Infinity: JSON extensions json.loads accepts


def _malformed(cursor: str) -> InvalidInput:
    return InvalidInput(
        f"Malformed cursor {cursor[:40]!r}.",
        hint="Pass the next_cursor of the previous result unchanged.",
    )


def next_cursor(offset: int, limit: int, total: int, fp: str) -> str | None:
    end = offset + limit
    return encode_cursor(end, fp) if end < total else None


@dataclass(frozen=True)
class PageRequest:
    """Where a paginated call starts (`offset`) and how much it takes (`limit`), for the query `fp` fingerprints."""

    offset: int
    limit: int
    fp: str

    @classmethod
    def from_cursor(cls, cursor: str | None, *, account: str, query: Any, limit: int) -> PageRequest:
        """The page `cursor` points at for this account and query (the first page without one).

        Raises:
            InvalidInput: the cursor is malformed or was issued for another query or account.
        """
        fp = fingerprint(account, query)
        return cls(decode_cursor(cursor, fp), limit, fp)

    def next_cursor(self, total: int) -> str | None:
        """The cursor of the page after this one, out of `total` items; None when this page is the last."""
        return next_cursor(self.offset, self.limit, total, self.fp)
