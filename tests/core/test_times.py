"""The shared date-time and time-zone inputs: valid values pass unchanged, the rest get a clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError
from salient_core.times import EARLIEST, LATEST, Instant, TimeZoneName, check_instant, zone_named

INSTANT = TypeAdapter(Instant)
ZONE = TypeAdapter(TimeZoneName)


@pytest.mark.parametrize(
    ("text", "expected", "offset_hours"),
    [
        ("2027-04-06T09:00:00+02:00", datetime(2027, 4, 6, 7, tzinfo=UTC), 2),
        ("2027-04-06T07:00:00Z", datetime(2027, 4, 6, 7, tzinfo=UTC), 0),
        ("1900-01-01T00:00:00Z", EARLIEST, 0),
        ("1900-01-01T10:00:00+10:00", EARLIEST, 10),  # the same instant, written in Sydney's offset
        ("2999-12-31T23:59:59.999999Z", LATEST, 0),
    ],
)
def test_instants_in_range_pass_unchanged(text: str, expected: datetime, offset_hours: int) -> None:
    value = INSTANT.validate_python(text)
    assert value == expected and value.utcoffset() == timedelta(hours=offset_hours)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Year 1 or 9999 in local time, one day outside Python's range once converted to UTC (an OverflowError).
        ("0001-01-01T00:00:00+14:00", "The date-time is outside the supported range 1900-01-01 to 2999-12-31 (UTC)"),
        ("9999-12-31T23:59:59-14:00", "The date-time is outside the supported range"),
        ("0001-01-01T00:00:00+23:59", "The date-time is outside the supported range"),
        ("1899-12-31T23:59:59Z", "The date-time is outside the supported range"),
        ("1900-01-01T09:59:59+10:00", "The date-time is outside the supported range"),
        ("3000-01-01T00:00:00Z", "The date-time is outside the supported range"),
        ("2027-04-06T09:00:00", "The date-time has no time zone; add a UTC offset such as '+02:00' or 'Z'"),
        ("2027-04-06", "The date-time has no time zone"),
        ("next tuesday", "Input should be a valid datetime"),
    ],
)
def test_bad_instants_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        INSTANT.validate_python(text)
    assert message in str(caught.value)


def test_check_instant_for_values_inside_free_form_data() -> None:
    assert check_instant(EARLIEST) is EARLIEST
    with pytest.raises(ValueError, match="is outside the supported range"):
        check_instant(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    with pytest.raises(ValueError, match="has no time zone"):
        check_instant(datetime(2027, 4, 6, 9))


@pytest.mark.parametrize("name", ["UTC", "Australia/Sydney", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
def test_known_zones_pass(name: str) -> None:
    assert ZONE.validate_python(name) == name
    assert zone_named(name).key == name


@pytest.mark.parametrize(
    "name",
    [
        "😀" * 64,  # 256 bytes: ZoneInfo raised OSError 'File name too long'
        "Mars/Olympus_Mons",
        "Sydney",
        "utc",  # zone names are case-sensitive; a case-insensitive file system must not decide
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../Europe/Berlin",
        "Europe/Berlin\x00",
        "localtime",  # the server's own zone, not a place
        "posixrules",
        " UTC",
    ],
)
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="Unknown time zone"):
        ZONE.validate_python(name)
    with pytest.raises(ValueError, match="use an IANA name such as 'America/Denver'"):
        zone_named(name)


def test_zone_name_is_bounded_before_lookup() -> None:
    with pytest.raises(ValidationError, match="at most 64 characters"):
        ZONE.validate_python("A" * 65)
