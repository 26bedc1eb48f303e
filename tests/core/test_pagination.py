from __future__ import annotations

import base64

import pytest
from salient_core.errors import InvalidInput
from salient_core.pagination import MAX_OFFSET, decode_cursor, encode_cursor, fingerprint, next_cursor

FP = fingerprint("acme", ["search", "wheelchair"])


def raw(text: str | bytes) -> str:
    """A cursor carrying `text` as its JSON, the way a client could forge one."""
    data = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def offset(text: str) -> str:
    """A cursor for this query whose offset is the JSON text `text`."""
    return raw('{"o":' + text + ',"f":"' + FP + '"}')


def test_cursor_round_trip_and_last_page() -> None:
    cursor = next_cursor(0, 10, 25, FP)
    assert cursor is not None and decode_cursor(cursor, FP) == 10
    assert next_cursor(20, 10, 25, FP) is None
    assert decode_cursor(None, FP) == 0
    assert decode_cursor(encode_cursor(MAX_OFFSET, FP), FP) == MAX_OFFSET


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("%%%", "Malformed cursor"),
        ("eyJ4IjogMX0", "Malformed cursor"),  # valid base64 JSON without the fields
        (encode_cursor(10, fingerprint("other", ["search", "wheelchair"])), "different query or account"),
        # Forged cursors: each must be refused as malformed, never reach arithmetic or the database.
        (offset("1e999"), "Malformed cursor"),  # a float that is infinite
        (offset("Infinity"), "Malformed cursor"),
        (offset("NaN"), "Malformed cursor"),
        (offset("10.0"), "Malformed cursor"),
        (offset('"10"'), "Malformed cursor"),
        (offset("true"), "Malformed cursor"),
        (offset("null"), "Malformed cursor"),
        (offset("-5"), "Malformed cursor"),
        (offset(str(2**63)), "Malformed cursor"),  # beyond a 64-bit SQL integer
        (offset(str(MAX_OFFSET + 1)), "Malformed cursor"),
        (offset("1" + "0" * 5000), "Malformed cursor"),  # too long to be ours
        (raw('{"o":10,"f":12}'), "Malformed cursor"),
        (raw('{"o":10,"f":"' + FP + '","x":1}'), "Malformed cursor"),
        (raw("[10]"), "Malformed cursor"),
        (raw("10"), "Malformed cursor"),
        (raw(b"\xff\xfe"), "Malformed cursor"),  # not UTF-8
        ("é" * 20, "Malformed cursor"),  # not base64
    ],
)
def test_bad_cursors_are_refused(cursor: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        decode_cursor(cursor, FP)
