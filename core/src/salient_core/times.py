"""Date-times and time zones as tools take them: checked at the edge, so nothing a client sends can overflow.

`Instant` is an ISO 8601 date-time with a UTC offset, between `EARLIEST` and `LATEST`. Python's `datetime` holds
years 1 to 9999 in *local* time, so `0001-01-01T00:00:00+14:00` parses but raises OverflowError as soon as it is
converted to UTC (for a query, a database column, an iCalendar file). The bounds leave centuries of room for that
conversion and for the arithmetic services do with a date-time (durations, buffers, horizons).

`TimeZoneName` is an IANA time zone that exists. The name is looked up in the list of known zones and never
reaches the file system as a path: `ZoneInfo` itself raised `OSError: File name too long` for a 64-character
emoji name, and reads any file a crafted relative path points at.

Both are pydantic types for tool signatures (a bad value is an ordinary invalid-argument error); `check_instant`
and `zone_named` do the same checks for values that arrive inside free-form data.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
ZONE_EXAMPLES = "'America/Denver', 'Europe/Berlin', 'Australia/Sydney' or 'UTC'"

# In the zone list on many systems, but not places: the server's own zone, a POSIX default, a placeholder ("-00").
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def check_instant(moment: datetime) -> datetime:
    """`moment` unchanged when it has a UTC offset and lies between EARLIEST and LATEST.

    Raises:
        ValueError: saying which rule it breaks, in a sentence that can follow the argument's name.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("has no time zone; add a UTC offset such as '+02:00' or 'Z'")
    # Comparing aware date-times subtracts their offsets without building a UTC datetime, so it cannot overflow.
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"is outside the supported range {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC)")
    return moment


@functools.cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine can load (from the `tzdata` package or the system's zoneinfo)."""
    return frozenset(available_timezones()) - _NOT_ZONES


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone called `name` (exact spelling, e.g. 'America/New_York').

    Raises:
        ValueError: no zone has that name.
    """
    if name not in known_zones():
        raise ValueError(f"Unknown time zone {name[:80]!r}; use an IANA name such as {ZONE_EXAMPLES}")
    return ZoneInfo(name)


def _instant(moment: datetime) -> datetime:
    try:
        return check_instant(moment)
    except ValueError as exc:
        raise PydanticCustomError("instant", "The date-time {problem}", {"problem": str(exc)}) from None


def _zone_name(name: str) -> str:
    try:
        zone_named(name)
    except ValueError as exc:
        raise PydanticCustomError("time_zone", "{problem}", {"problem": str(exc)}) from None
    return name


Instant = Annotated[datetime, AfterValidator(_instant)]
"""An ISO 8601 date-time with a UTC offset, from 1900 to 2999; the value keeps the offset it was given."""

TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_zone_name)]
"""An IANA time zone name that exists, such as 'Australia/Sydney' or 'UTC'."""
