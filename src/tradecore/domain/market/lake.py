"""What a market-data lake holds and what it lacks: series, covered ranges, checks.

Pure rules behind ``tradecore-replay data``: a *series* is one symbol's bars of one
timeframe, feed and adjustment (bars of different feeds or adjustments never mix);
what was fetched is a set of half-open time ranges per series, and a re-run fetches
only :func:`missing_ranges`. :func:`check_series` audits one series against the
exchange's sessions: a session without a bar is an error, minutes missing inside
regular hours are only counted (a thin symbol may simply not trade every minute).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import from_ns, to_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.feeds import ADJUSTMENTS, FEEDS

_TIMEFRAME_RE = re.compile(r"^([1-9][0-9]?)(Min|Hour|Day)$")
_LIMITS = {"Min": 59, "Hour": 23, "Day": 1}
_NS_PER_MINUTE = 60_000_000_000
_NS_PER_DAY = 86_400_000_000_000
#: Minute timeframes whose grid the 09:30 open sits on (gaps are counted for them).
_COUNTED_STEPS = frozenset({1, 2, 3, 5, 6, 10, 15, 30})


@attrs.frozen
class Timeframe:
    """A bar length as Alpaca spells it: ``1Min`` .. ``59Min``, ``1Hour`` .. ``23Hour``,
    ``1Day``."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Timeframe:
        """Return the timeframe ``text`` names.

        Raises:
            InvalidInput: anything but 1-59Min, 1-23Hour or 1Day.
        """
        match = _TIMEFRAME_RE.match(text)
        if match is None or int(match[1]) > _LIMITS[match[2]]:
            raise InvalidInput(
                "timeframe", text, "use 1-59Min, 1-23Hour or 1Day (e.g. 1Min, 1Day)"
            )
        return cls(int(match[1]), match[2])

    @property
    def text(self) -> str:
        """The name, e.g. ``5Min``."""
        return f"{self.amount}{self.unit}"

    @property
    def interval(self) -> timedelta:
        """How long one bar lasts."""
        if self.unit == "Day":
            return timedelta(days=1)
        return timedelta(minutes=self.amount * (60 if self.unit == "Hour" else 1))

    @property
    def daily(self) -> bool:
        """Whether this is ``1Day``."""
        return self.unit == "Day"


def _choice(
    options: tuple[str, ...],
) -> Callable[[object, attrs.Attribute[str], str], None]:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in options:
            raise InvalidInput(attribute.name, value, f"one of {', '.join(options)}")

    return check


def _lake_symbol(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    v.symbol(instance, attribute, value)
    if "/" in value:
        raise InvalidInput("symbol", value, "a lake holds US equities (no '/')")


@attrs.frozen(order=True)
class SeriesKey:
    """One series of a lake: a symbol's bars of one timeframe, feed and adjustment."""

    feed: str = attrs.field(validator=_choice(FEEDS))
    adjustment: str = attrs.field(validator=_choice(ADJUSTMENTS))
    timeframe: str = attrs.field()
    symbol: str = attrs.field(validator=_lake_symbol)

    @timeframe.validator
    def _check_timeframe(self, attribute: attrs.Attribute[str], value: str) -> None:
        Timeframe.parse(value)


@attrs.frozen(order=True)
class TimeRange:
    """The half-open range ``[start_ns, end_ns)`` of UTC epoch nanoseconds."""

    start_ns: int
    end_ns: int

    def __attrs_post_init__(self) -> None:
        if self.end_ns <= self.start_ns:
            raise InvalidInput("end", self.end_ns, f"not after start {self.start_ns}")

    @classmethod
    def of(cls, start: datetime, end: datetime) -> TimeRange:
        """The range between two aware datetimes."""
        return cls(to_ns(start), to_ns(end))


def merge_ranges(ranges: Iterable[TimeRange]) -> list[TimeRange]:
    """Sort ``ranges`` and join those that overlap or touch."""
    merged: list[TimeRange] = []
    for r in sorted(ranges):
        if merged and r.start_ns <= merged[-1].end_ns:
            last = merged[-1]
            merged[-1] = TimeRange(last.start_ns, max(last.end_ns, r.end_ns))
        else:
            merged.append(r)
    return merged


def missing_ranges(wanted: TimeRange, covered: Iterable[TimeRange]) -> list[TimeRange]:
    """The parts of ``wanted`` that no range of ``covered`` holds, in time order."""
    missing: list[TimeRange] = []
    cursor = wanted.start_ns
    for r in merge_ranges(covered):
        if r.end_ns <= cursor or r.start_ns >= wanted.end_ns:
            continue
        if r.start_ns > cursor:
            missing.append(TimeRange(cursor, r.start_ns))
        cursor = max(cursor, r.end_ns)
    if cursor < wanted.end_ns:
        missing.append(TimeRange(cursor, wanted.end_ns))
    return missing


@attrs.frozen(kw_only=True)
class SeriesCheck:
    """What :func:`check_series` found in one series."""

    rows: int
    duplicates: int
    #: Session dates (ISO) inside the covered ranges without a single bar: errors.
    missing_sessions: tuple[str, ...]
    #: Bars of a daily series dated on a day that is no session: errors.
    off_session_days: tuple[str, ...]
    #: Bars missing inside regular hours (intraday minute timeframes): counted only.
    missing_bars: int
    #: Sessions with at least one missing bar.
    sessions_with_gaps: int


def check_series(
    timestamps: NDArray[np.int64],
    timeframe: Timeframe,
    covered: Sequence[TimeRange],
    calendar: MarketCalendar,
) -> SeriesCheck:
    """Audit one series' bar starts (any order) against ``calendar``'s sessions.

    Only sessions whose open lies in a covered range are expected. A daily series
    needs one bar per session (dated by the UTC date of its stamp: Alpaca stamps a
    day at midnight New York, 04:00 or 05:00 UTC); an intraday series needs at least
    one bar in each session's regular hours, and for minute timeframes that divide
    30 minutes the bars missing on the session's grid are counted.
    """
    stamps = np.sort(np.asarray(timestamps, dtype=np.int64))
    duplicates = int(np.count_nonzero(np.diff(stamps) == 0))
    unique = np.unique(stamps)
    opens, closes, days = _sessions(calendar, covered)
    if timeframe.daily:
        bar_days = np.unique(unique // _NS_PER_DAY)
        missing = days[~np.isin(days, bar_days)]
        inside = _inside(bar_days * _NS_PER_DAY + _NS_PER_DAY // 2, covered)
        extra = bar_days[inside & ~np.isin(bar_days, days)]
        return SeriesCheck(
            rows=len(stamps),
            duplicates=duplicates,
            missing_sessions=_iso_days(missing),
            off_session_days=_iso_days(extra),
            missing_bars=0,
            sessions_with_gaps=len(missing),
        )
    first = np.searchsorted(unique, opens, side="left")
    last = np.searchsorted(unique, closes, side="left")
    present = last - first
    step = int(timeframe.interval.total_seconds()) * 1_000_000_000
    counted = timeframe.unit == "Min" and timeframe.amount in _COUNTED_STEPS
    expected = -(-(closes - opens) // step) if counted else np.minimum(present, 1)
    short = np.maximum(expected - present, 0) * (present > 0)
    return SeriesCheck(
        rows=len(stamps),
        duplicates=duplicates,
        missing_sessions=_iso_days(days[present == 0]),
        off_session_days=(),
        missing_bars=int(short.sum()),
        sessions_with_gaps=int(np.count_nonzero(short)),
    )


def _sessions(
    calendar: MarketCalendar, covered: Sequence[TimeRange]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Opens, closes and epoch days of the sessions opening inside ``covered``."""
    if not covered or calendar.is_always_open:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    first = from_ns(min(r.start_ns for r in covered)).date()
    last = from_ns(max(r.end_ns for r in covered)).date()
    sessions = calendar.sessions_between(first, last)
    opens = np.array([to_ns(s.open) for s in sessions], dtype=np.int64)
    closes = np.array([to_ns(s.close) for s in sessions], dtype=np.int64)
    days = np.array([s.date.toordinal() - 719_163 for s in sessions], dtype=np.int64)
    keep = _inside(opens, covered)
    return opens[keep], closes[keep], days[keep]


def _inside(stamps: NDArray[np.int64], covered: Sequence[TimeRange]) -> NDArray[Any]:
    keep = np.zeros(len(stamps), dtype=bool)
    for r in covered:
        keep |= (stamps >= r.start_ns) & (stamps < r.end_ns)
    return keep


def _iso_days(days: NDArray[np.int64]) -> tuple[str, ...]:
    text = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    return tuple(str(t) for t in text)
