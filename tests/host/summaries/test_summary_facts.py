"""What a summary may rely on: whole addresses the visitor typed, never a part of one."""

from __future__ import annotations

import pytest
from salient_host.summaries.facts import typed_addresses


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["I'm Ann, ann.smith@gmail.com."], {"ann.smith@gmail.com"}),
        (["Mail Ann.Smith+chat@Example.co.uk please", "or bob@b.io"], {"ann.smith+chat@example.co.uk", "bob@b.io"}),
        (["no address here", "ann at gmail dot com"], set()),
    ],
)
def test_typed_addresses_are_whole_and_lowercased(texts: list[str], expected: set[str]) -> None:
    assert typed_addresses(texts) == expected


@pytest.mark.parametrize("part", ["smith@gmail.com", "n.smith@gmail.com", "ann.smith@gmail.co", "ann.smith@gmail"])
def test_a_part_of_a_typed_address_is_not_one(part: str) -> None:
    assert part not in typed_addresses(["Reach me at ann.smith@gmail.com"])
