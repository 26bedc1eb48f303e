from __future__ import annotations

import pytest
from salient_core.errors import InvalidInput
from salient_core.pagination import decode_cursor, encode_cursor, fingerprint, next_cursor


def test_cursor_round_trip_and_last_page() -> None:
    fp = fingerprint("acme", ["search", "wheelchair"])
    cursor = next_cursor(0, 10, 25, fp)
    assert cursor is not None and decode_cursor(cursor, fp) == 10
    assert next_cursor(20, 10, 25, fp) is None
    assert decode_cursor(None, fp) == 0


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("%%%", "Malformed cursor"),
        ("eyJ4IjogMX0", "Malformed cursor"),  # valid base64 JSON without the fields
        (encode_cursor(10, fingerprint("other", ["search", "wheelchair"])), "different query or account"),
        (encode_cursor(-5, fingerprint("acme", ["search", "wheelchair"])), "different query or account"),
    ],
)
def test_bad_cursors_are_refused(cursor: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        decode_cursor(cursor, fingerprint("acme", ["search", "wheelchair"]))
