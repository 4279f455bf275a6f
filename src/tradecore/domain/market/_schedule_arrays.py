"""Integer encodings behind :class:`MarketCalendar`: epoch days, epoch ns, checks.

The calendar keeps its sessions in sorted int64 arrays so that a query is one binary
search; these functions convert at the edges and validate whole schedules at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NS_PER_US = 1_000
NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * 10**9
MICROSECOND = timedelta(microseconds=1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# --- conversions: datetimes and dates <-> integers ------------------------------------


def to_epoch_ns(field: str, at: object) -> int:
    """Return UTC epoch nanoseconds of an aware datetime; refuse naive ones by name.

    Any UTC offset is accepted (the instant is unambiguous); a naive datetime is not,
    because guessing its zone is how DST bugs start.
    """
    if type(at) is datetime and at.tzinfo is UTC:
        return (at - EPOCH) // MICROSECOND * NS_PER_US  # the common case
    if not isinstance(at, datetime):
        raise InvalidInput(field, at, "expected a datetime")
    if at.utcoffset() is None:
        raise InvalidInput(field, at, "naive timestamp; use a timezone-aware UTC one")
    return (at - EPOCH) // MICROSECOND * NS_PER_US


def from_epoch_ns(ns: int) -> datetime:
    """Return the UTC datetime of epoch nanoseconds (truncated to microseconds)."""
    seconds, rest = divmod(ns, NS_PER_SECOND)
    if seconds < 0:  # fromtimestamp refuses negative values on some platforms
        return EPOCH + timedelta(microseconds=ns // NS_PER_US)
    at = datetime.fromtimestamp(seconds, UTC)  # exact for an int; faster than adding
    return at if rest < NS_PER_US else at.replace(microsecond=rest // NS_PER_US)


def to_epoch_day(field: str, day: object) -> int:
    """Return days since 1970-01-01 of a date; a datetime is refused (ambiguous day)."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise InvalidInput(field, day, "expected a date (not a datetime)")
    return day.toordinal() - _EPOCH_ORDINAL


def from_epoch_day(days: int) -> date:
    """Return the date ``days`` after 1970-01-01."""
    return date.fromordinal(_EPOCH_ORDINAL + days)


# --- array construction and validation ------------------------------------------------


def int64_array(values: object) -> Int64Array:
    """Return a read-only 1-D int64 copy (the calendar is immutable, so its arrays are)."""
    array = np.array(values, dtype=np.int64, copy=True).reshape(-1)
    array.setflags(write=False)
    return array


def bool_array(values: object) -> BoolArray:
    """Return a read-only 1-D bool copy."""
    array = np.array(values, dtype=np.bool_, copy=True).reshape(-1)
    array.setflags(write=False)
    return array


def first_bad(ok: BoolArray) -> int | None:
    """Return the index of the first False, or None when all hold."""
    bad = np.flatnonzero(~ok)
    return None if bad.size == 0 else int(bad[0])


def check_schedule(
    days: Int64Array, opens: Int64Array, closes: Int64Array, early: BoolArray
) -> None:
    """Refuse unsorted, inverted or overlapping sessions, naming the first bad date."""
    if not len(days) == len(opens) == len(closes) == len(early):
        raise InvalidInput("sessions", len(days), "arrays differ in length")
    row = first_bad(opens < closes)
    if row is not None:
        raise InvalidInput("close", from_epoch_day(int(days[row])), "not after open")
    row = first_bad(np.diff(days) > 0)
    if row is not None:
        day = from_epoch_day(int(days[row + 1]))
        raise InvalidInput("date", day, "sessions must be in strictly increasing order")
    row = first_bad(closes[:-1] <= opens[1:])
    if row is not None:
        day = from_epoch_day(int(days[row + 1]))
        raise InvalidInput("open", day, "session overlaps the previous one")


def modal_length_ns(opens: Int64Array, closes: Int64Array) -> int:
    """Return the most common session length (the longest among equally common ones)."""
    if opens.size == 0:
        return NS_PER_DAY
    lengths, counts = np.unique(closes - opens, return_counts=True)
    return int(lengths[counts == counts.max()].max())


def as_float(value: object) -> object:
    """Turn an int into a float so 252 and 252.0 hash alike; leave the rest to validate."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def positive_float(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """Require a finite float greater than zero."""
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if value <= 0:
        raise InvalidInput(attribute.name, value, "must be > 0")


def empty_int64() -> Int64Array:
    """Return an empty schedule column (an always-open calendar has no rows)."""
    return int64_array([])


def floor_day(ns: int) -> int:
    """Return the UTC midnight at or before ``ns``, in ns."""
    return ns // NS_PER_DAY * NS_PER_DAY


def shift_day(field: str, day: date, days: int) -> date:
    """Return ``day`` moved by ``days``; running off the calendar is an input error."""
    to_epoch_day(field, day)
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise InvalidInput(field, day, "no session beyond the end of time") from None
