"""Exchange schedules from the maintained ``exchange_calendars`` library.

The library is imported lazily (it pulls in pandas), and always with explicit
``start``/``end`` bounds: its default bounds depend on today's date, which would make
the same request answer differently from one day to the next.

The schedule it computes over those bounds is kept on disk (see
:mod:`tradecore.adapters.calendar.schedule_cache`): one ``.npz`` file per calendar
code, bounds and library version in ``$TRADECORE_CACHE_DIR/calendars`` (else the user
cache folder, ``~/.cache/tradecore/calendars`` on Linux). With that file in place a
process reads the arrays with NumPy and imports neither pandas nor
``exchange_calendars`` (about 1.3 s of start-up). Delete the folder to clear it; a
cache that cannot be read or written is recomputed, never an error.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np

from tradecore.adapters.calendar import schedule_cache
from tradecore.adapters.calendar.schedule_cache import SessionArrays
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.ports.calendar import Calendar

#: Extended hours: pre-market from 04:00 (5.5 h before a 09:30 open), after-hours
#: for 4 h after the close (to 20:00, or 17:00 after a 13:00 early close).
_PRE_MARKET_NS = int(5.5 * 3600 * 1e9)
_AFTER_HOURS_NS = 4 * 3600 * 10**9

#: The library calendar is built over at least these dates (wider if a range needs).
DEFAULT_BOUNDS = (date(2000, 1, 1), date(2035, 12, 31))
_EPOCH = date(1970, 1, 1)


class ExchangeCalendar(Calendar):
    """An exchange's sessions by ISO 10383 MIC (``XNYS``, ``XNAS``, ``XLON``, ...).

    Daylight saving, holidays and early closes come from ``exchange_calendars``.
    Lunch breaks (e.g. ``XHKG``) are not modelled: a break counts as open.
    """

    def __init__(
        self,
        code: str = "XNYS",
        *,
        sessions_per_year: float = 252.0,
        bounds: tuple[date, date] = DEFAULT_BOUNDS,
    ) -> None:
        self.name = code
        self._sessions_per_year = sessions_per_year
        self._bounds = bounds

    def schedule(self, start: date, end: date) -> MarketCalendar:
        """Return the exchange's sessions dated ``start`` to ``end`` inclusive.

        Raises:
            InvalidInput: ``end`` is before ``start``, the range has no session, or
                the library does not know the calendar or the dates.
        """
        days, opens, closes, early = self._rows(start, end)
        return MarketCalendar.from_arrays(
            self.name,
            days=days,
            opens_ns=opens,
            closes_ns=closes,
            early_close=early,
            sessions_per_year=self._sessions_per_year,
        )

    def extended_schedule(self, start: date, end: date) -> MarketCalendar:
        """Return extended-hours sessions: 04:00 New York to four hours after the close.

        Alpaca trades extended hours "pre-market: 4:00 am - 9:30 am ET, after-hours:
        4:00 pm - 8:00 pm ET" (alpaca.markets/support/how-do-you-trade-in-extended-
        hours-with-alpaca); on an early close (13:00) after-hours runs to 17:00. The
        pre-market start is 5.5 hours before the regular open in either season, so no
        time-zone arithmetic is needed beyond the library's own opens.
        """
        days, opens, closes, early = self._rows(start, end)
        return MarketCalendar.from_arrays(
            f"{self.name}-extended",
            days=days,
            opens_ns=opens - _PRE_MARKET_NS,
            closes_ns=closes + _AFTER_HOURS_NS,
            early_close=early,
            sessions_per_year=self._sessions_per_year,
        )

    def _rows(self, start: date, end: date) -> SessionArrays:
        """Session days (epoch days), opens and closes (epoch ns), early-close flags."""
        if end < start:
            raise InvalidInput("end", end, f"before start {start}")
        low, high = min(start, self._bounds[0]), max(end, self._bounds[1])
        sessions = _sessions(self.name, low, high)
        first = np.searchsorted(sessions.days, _epoch_day(start), side="left")
        last = np.searchsorted(sessions.days, _epoch_day(end), side="right")
        if first == last:
            raise InvalidInput("start", start, f"no {self.name} session up to {end}")
        return SessionArrays(*(array[first:last].copy() for array in sessions))


def _epoch_day(day: date) -> int:
    """Days since 1970-01-01 (the unit of the schedule's ``days``)."""
    return (day - _EPOCH).days


@functools.lru_cache(maxsize=8)
def _sessions(code: str, low: date, high: date) -> SessionArrays:
    """The whole schedule over the bounds: from the disk cache, else the library.

    Kept in memory too (callers get copies of slices, never these arrays).
    """
    key = schedule_cache.cache_key(code, low, high)
    if key is not None:
        cached = schedule_cache.load(code, key)
        if cached is not None:
            return cached
    sessions = library_sessions(code, low, high)
    if key is not None:
        schedule_cache.store(code, key, sessions)
    return sessions


def library_sessions(code: str, low: date, high: date) -> SessionArrays:
    """Compute the schedule from ``exchange_calendars`` (no cache on the way).

    Raises:
        InvalidInput: the library does not know the calendar or the dates.
    """
    library = _library_calendar(code, low, high)
    with _library_deprecations_ignored():
        rows = library.schedule
        early = np.asarray(rows.index.isin(library.early_closes))
    days = rows.index.to_numpy().astype("datetime64[D]").astype(np.int64)
    return SessionArrays(days, _epoch_ns(rows["open"]), _epoch_ns(rows["close"]), early)


def _epoch_ns(column: Any) -> Any:
    """UTC epoch nanoseconds of a tz-aware column, whatever unit pandas stored."""
    naive_utc = column.dt.tz_convert(None).to_numpy()
    return naive_utc.astype("datetime64[ns]").astype(np.int64)


def _library_calendar(code: str, start: date, end: date) -> Any:
    """Build the library's calendar (~0.3 s; :func:`_sessions` keeps its answer)."""
    import exchange_calendars  # lazy: it imports pandas

    try:
        with _library_deprecations_ignored():
            return exchange_calendars.get_calendar(
                code, start=start.isoformat(), end=end.isoformat()
            )
    except (exchange_calendars.errors.CalendarError, ValueError) as e:
        raise InvalidInput("calendar", code, str(e)) from e


@contextlib.contextmanager
def _library_deprecations_ignored() -> Iterator[None]:
    """Silence deprecations the library triggers inside pandas (not ours to fix).

    exchange_calendars 4.13 under pandas 3 reads ``Series.values`` of tz-aware
    columns, which pandas deprecates; the values it gets are still correct UTC.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
