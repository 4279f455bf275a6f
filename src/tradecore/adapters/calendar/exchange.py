"""Exchange schedules from the maintained ``exchange_calendars`` library.

The library is imported lazily (it pulls in pandas), and always with explicit
``start``/``end`` bounds: its default bounds depend on today's date, which would make
the same request answer differently from one day to the next.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.ports.calendar import Calendar

#: The library calendar is built over at least these dates (wider if a range needs).
DEFAULT_BOUNDS = (date(2000, 1, 1), date(2035, 12, 31))


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
        if end < start:
            raise InvalidInput("end", end, f"before start {start}")
        low, high = min(start, self._bounds[0]), max(end, self._bounds[1])
        library = _library_calendar(self.name, low, high)
        with _library_deprecations_ignored():
            rows = library.schedule.loc[start.isoformat() : end.isoformat()]
            early = np.asarray(rows.index.isin(library.early_closes))
        if rows.empty:
            raise InvalidInput("start", start, f"no {self.name} session up to {end}")
        return MarketCalendar.from_arrays(
            self.name,
            days=rows.index.to_numpy().astype("datetime64[D]").astype(np.int64),
            opens_ns=_epoch_ns(rows["open"]),
            closes_ns=_epoch_ns(rows["close"]),
            early_close=early,
            sessions_per_year=self._sessions_per_year,
        )


def _epoch_ns(column: Any) -> Any:
    """UTC epoch nanoseconds of a tz-aware column, whatever unit pandas stored."""
    naive_utc = column.dt.tz_convert(None).to_numpy()
    return naive_utc.astype("datetime64[ns]").astype(np.int64)


@functools.lru_cache(maxsize=8)
def _library_calendar(code: str, start: date, end: date) -> Any:
    """Build (once per code and bounds) the library's calendar; it takes ~0.1 s."""
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
