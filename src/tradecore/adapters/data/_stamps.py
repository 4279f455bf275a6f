"""Read a timestamp column in the forms bar files carry: instants, or session dates.

* With an offset (``Z``, ``+00:00``, ``-05:00``): an instant, converted to UTC.
* Naive (no offset): local time in the zone given (``--tz America/New_York``), else
  refused with the first such line: a naive time could be any zone. An hour that
  happens twice on a daylight-saving change is read as its first occurrence; one
  that does not exist is refused.
* A date (``2024-01-02``), a naive midnight (``2024-01-02 00:00:00``), or in a
  column called ``Date`` a midnight with an offset (yfinance's daily rows): the
  **session of that date** on the exchange calendar, resolved by the caller.

Typed columns (Parquet, pandas) follow the same rules: a zone-aware column is
converted to UTC, a naive one needs ``tz`` unless every value is a midnight, a date
column holds session dates. Every check is vectorized; only a failing check looks
for the first bad row.

A zoned nanosecond column (tradecore's and the lake's files) is read without
``pyarrow.compute``; every other form imports it where it is used (its import costs
about 0.05 s of start-up).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

import attrs
import numpy as np
import pyarrow as pa

from tradecore.adapters.data._columns import (
    TIMESTAMP,
    LineOf,
    _int64_ns,
    reject_nulls,
    utc_ns,
)
from tradecore.domain.errors import BarFileError

_NS_PER_DAY = 86_400 * 1_000_000_000
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_TIME = r"[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_MIDNIGHT = r"^\d{4}-\d{2}-\d{2}[T ]00:00(:00(\.0+)?)?"


@attrs.frozen(eq=False)
class Stamps:
    """A timestamp column read: UTC instants (``ns``) or session dates (``days``).

    ``ns`` is int64 nanoseconds since the epoch; ``days`` int64 days since
    1970-01-01. Exactly one is set.
    """

    ns: np.ndarray | None = None
    days: np.ndarray | None = None


def read_stamps(
    file: str,
    column: pa.ChunkedArray,
    line_of: LineOf,
    *,
    tz: str | None,
    date_named: bool,
) -> Stamps:
    """Read ``column`` as instants or session dates (see the module's rules).

    Raises:
        BarFileError: a missing, unparseable or naive (without ``tz``) value, at its
            line; an unknown ``tz``; a column of another type.
    """
    reject_nulls(file, TIMESTAMP, column, line_of)
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _from_strings(file, column, line_of, tz=tz, date_named=date_named)
    if pa.types.is_date(kind):
        import pyarrow.compute as pc

        days = _int64_ns(pc.cast(column, pa.date32()).cast(pa.int32()))
        return Stamps(days=days)
    if pa.types.is_timestamp(kind):
        return _from_typed(file, column, tz=tz, date_named=date_named)
    reason = "column must hold timestamps, dates or ISO-8601 strings"
    raise BarFileError(file, TIMESTAMP, str(kind), reason)


def _from_strings(
    file: str,
    column: pa.ChunkedArray,
    line_of: LineOf,
    *,
    tz: str | None,
    date_named: bool,
) -> Stamps:
    import pyarrow.compute as pc

    strings = column.combine_chunks()
    if not len(strings):
        return Stamps(ns=np.empty(0, np.int64))
    if not date_named and _all(
        pc.or_(pc.ends_with(strings, "Z"), pc.ends_with(strings, "+00:00"))
    ):  # tradecore's own files: UTC instants, one cheap pass before the cast
        return Stamps(ns=_parse(file, strings, pa.timestamp("ns", "UTC"), line_of))
    strings = pc.utf8_trim_whitespace(strings)
    if _all(pc.match_substring_regex(strings, _DATE)):
        return Stamps(days=_days_of(file, strings, line_of))
    midnight = pc.match_substring_regex(strings, _MIDNIGHT + "$")
    if date_named and _all(pc.match_substring_regex(strings, _MIDNIGHT + _OFFSET)):
        midnight = pc.match_substring_regex(strings, _MIDNIGHT)
    if _all(midnight):
        return Stamps(
            days=_days_of(file, pc.utf8_slice_codeunits(strings, 0, 10), line_of)
        )
    offset = pc.match_substring_regex(strings, _TIME + _OFFSET)
    if _all(offset):
        return Stamps(ns=_parse(file, strings, pa.timestamp("ns", "UTC"), line_of))
    mixed = bool(pc.any(offset).as_py())
    if tz is None or mixed:
        index = _first_false(offset)
        text = strings[index].as_py()
        reason = (
            f"{text!r} has no offset; use Z or +00:00"
            if mixed
            else f"{text!r} has no offset; give the zone of naive times with --tz "
            f"(e.g. America/New_York), or write Z or +00:00"
        )
        raise BarFileError(file, TIMESTAMP, text, reason, line=line_of(index))
    naive = _parse(file, strings, pa.timestamp("ns"), line_of)
    return Stamps(
        ns=_localize(file, pa.array(naive.view("datetime64[ns]")), tz, line_of)
    )


def _from_typed(
    file: str, column: pa.ChunkedArray, *, tz: str | None, date_named: bool
) -> Stamps:
    zone = column.type.tz
    if zone is not None and not date_named:
        return Stamps(ns=utc_ns(column))
    import pyarrow.compute as pc

    local = column if zone is None else pc.local_timestamp(column)
    local_ns = _int64_ns(pc.cast(local, pa.timestamp("ns")))
    if (
        len(local_ns)
        and not np.any(local_ns % _NS_PER_DAY)
        and (zone is None or date_named)
    ):
        return Stamps(days=local_ns // _NS_PER_DAY)
    if zone is not None:
        return Stamps(ns=utc_ns(column))
    if tz is None:
        reason = "column is naive (no time zone); give its zone with --tz"
        raise BarFileError(file, TIMESTAMP, str(column.type), reason)
    naive = pc.cast(column, pa.timestamp("ns")).combine_chunks()
    return Stamps(ns=_localize(file, naive, tz, lambda i: i + 1))


def _all(mask: pa.Array) -> bool:
    import pyarrow.compute as pc

    return bool(pc.all(mask, min_count=0).as_py())


def _first_false(mask: pa.Array) -> int:
    import pyarrow.compute as pc

    return int(pc.index(mask, False).as_py())


def _days_of(file: str, strings: pa.Array, line_of: LineOf) -> np.ndarray:
    dates = _parse(file, strings, pa.date32(), line_of)
    return dates.astype(np.int64)


def _parse(
    file: str, strings: pa.Array, kind: pa.DataType, line_of: LineOf
) -> np.ndarray:
    import pyarrow.compute as pc

    try:
        parsed = pc.cast(strings, kind)
    except pa.ArrowInvalid:
        index = _first_unparseable(strings, kind)
        text = strings[index].as_py()
        raise BarFileError(
            file,
            TIMESTAMP,
            text,
            f"{text!r} is not an ISO-8601 timestamp",
            line=line_of(index),
        ) from None
    if pa.types.is_date(kind):
        return _int64_ns(parsed.cast(pa.int32()))
    return _int64_ns(parsed)


def _first_unparseable(strings: pa.Array, kind: pa.DataType) -> int:
    import pyarrow.compute as pc

    return _bisect(strings, lambda part: pc.cast(part, kind))


def _bisect(values: pa.Array, attempt: Callable[[pa.Array], object]) -> int:
    # Arrow's own verdict, bisected: O(n) work in all, on the error path only.
    low, high = 0, len(values)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            attempt(values.slice(low, middle - low))
        except pa.ArrowInvalid:
            high = middle
        else:
            low = middle
    return low


def _localize(file: str, naive: pa.Array, tz: str, line_of: LineOf) -> np.ndarray:
    import pyarrow.compute as pc

    def assume(part: pa.Array) -> pa.Array:
        return pc.assume_timezone(
            part, timezone=tz, ambiguous="earliest", nonexistent="raise"
        )

    try:
        zoneinfo.ZoneInfo(tz)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as e:
        raise BarFileError(file, "tz", tz, f"unknown time zone {tz!r}") from e
    try:
        return _int64_ns(assume(naive))
    except pa.ArrowInvalid:
        index = _bisect(naive, assume)
        text = str(naive[index].as_py())
        reason = f"{text} does not exist in {tz} (a daylight-saving change skips it)"
        raise BarFileError(file, TIMESTAMP, text, reason, line=line_of(index)) from None
