"""Fill a lake from a vendor's history: only what it lacks, a chunk at a time.

For each symbol the lake's manifest says which ranges of the requested series are
held; only the rest is requested (symbols lacking the same ranges share requests),
in chunks, and each chunk is stored (data first, then the manifest) before the next
is asked for, so an interrupted fetch loses at most the chunk in flight and a re-run
picks up from there. Corporate actions of the symbols are fetched for the dates
the lake does not hold yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import attrs
import numpy as np

from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.lake import SeriesKey, Timeframe, TimeRange, missing_ranges
from tradecore.ports.bar_history import BarHistory
from tradecore.ports.bar_lake import BarLake

_NS_PER_DAY = 86_400 * 10**9
#: Most days per request chunk by timeframe unit.
CHUNK_DAYS = {"Min": 31, "Hour": 366, "Day": 3660}
#: Bars a chunk may bring at most: the vendor's answer is held whole (as parsed
#: JSON) until its chunk is stored, so this bounds a fetch's memory.
CHUNK_BARS = 100_000
#: Bars a day may hold per symbol and timeframe unit: extended hours (04:00-20:00
#: New York) for intraday bars.
_BARS_PER_DAY = {"Min": 960, "Hour": 16, "Day": 1}
#: Alpaca's corporate-actions queries are asked for at most this many days at once.
ACTION_CHUNK_DAYS = 90


@attrs.frozen(kw_only=True)
class FetchRequest:
    """Bars of ``symbols`` in ``timeframe`` over ``span``, and their corporate actions
    from ``first_day`` to ``last_day`` (inclusive) when ``actions``."""

    symbols: tuple[str, ...]
    timeframe: Timeframe
    span: TimeRange
    first_day: date
    last_day: date
    actions: bool = True


@attrs.frozen(kw_only=True)
class FetchReport:
    """What a fetch asked for and stored."""

    #: (symbols, range) of every bars request, in order.
    requests: tuple[tuple[tuple[str, ...], TimeRange], ...]
    #: Bars stored per symbol.
    rows: dict[str, int]
    #: Symbols whose requested range was already held in full.
    up_to_date: tuple[str, ...]
    #: Corporate actions stored, and the symbols they were asked for.
    actions: int
    action_symbols: tuple[str, ...]


def fetch_into_lake(
    history: BarHistory,
    lake: BarLake,
    request: FetchRequest,
    *,
    on_chunk: Callable[[tuple[str, ...], TimeRange, int], None] | None = None,
) -> FetchReport:
    """Fetch what ``lake`` lacks of ``request`` from ``history`` and store it.

    Raises:
        TradecoreError: the vendor failed (what was stored before stays stored).
    """
    keys = {
        s: SeriesKey(history.feed, history.adjustment, request.timeframe.text, s)
        for s in request.symbols
    }
    groups: dict[tuple[TimeRange, ...], list[str]] = {}
    for symbol, key in keys.items():
        missing = tuple(missing_ranges(request.span, lake.covered(key)))
        groups.setdefault(missing, []).append(symbol)
    done: list[tuple[tuple[str, ...], TimeRange]] = []
    rows = dict.fromkeys(request.symbols, 0)
    for missing, members in groups.items():
        symbols = tuple(members)
        days = chunk_days(request.timeframe, len(symbols))
        for span in missing:
            for chunk in _chunks(span, days):
                frames = history.bars(symbols, request.timeframe.text, chunk)
                for symbol in symbols:
                    frame = frames.get(symbol) or _empty(symbol)
                    lake.store(keys[symbol], frame, chunk)
                    rows[symbol] += len(frame)
                done.append((symbols, chunk))
                if on_chunk is not None:
                    on_chunk(symbols, chunk, sum(len(f) for f in frames.values()))
    up_to_date = tuple(s for s in request.symbols if () in groups and s in groups[()])
    count, asked = (
        (0, ()) if not request.actions else _fetch_actions(history, lake, request)
    )
    return FetchReport(
        requests=tuple(done),
        rows=rows,
        up_to_date=up_to_date,
        actions=count,
        action_symbols=asked,
    )


def chunk_days(timeframe: Timeframe, symbols: int) -> int:
    """Days per request for ``symbols`` symbols: at most :data:`CHUNK_BARS` bars."""
    per_day = _BARS_PER_DAY[timeframe.unit] / timeframe.amount * max(symbols, 1)
    return max(1, min(CHUNK_DAYS[timeframe.unit], int(CHUNK_BARS // per_day)))


def _fetch_actions(
    history: BarHistory, lake: BarLake, request: FetchRequest
) -> tuple[int, tuple[str, ...]]:
    """Fetch the corporate actions of the symbols lacking some of the dates."""
    first, last = request.first_day, request.last_day
    lacking = tuple(
        s
        for s in request.symbols
        if not _dates_held(lake.actions_covered(s), first, last)
    )
    if not lacking:
        return 0, ()
    count = 0
    day = first
    while day <= last:
        until = min(last, day + timedelta(days=ACTION_CHUNK_DAYS - 1))
        actions = history.corporate_actions(lacking, day, until)
        lake.store_actions(lacking, day, until, actions)
        count += len(actions)
        day = until + timedelta(days=1)
    return count, lacking


def _dates_held(spans: Sequence[tuple[date, date]], first: date, last: date) -> bool:
    return any(a <= first and last <= b for a, b in spans)


def _chunks(span: TimeRange, days: int) -> list[TimeRange]:
    step = days * _NS_PER_DAY
    starts = range(span.start_ns, span.end_ns, step)
    return [TimeRange(s, min(s + step, span.end_ns)) for s in starts]


def _empty(symbol: str) -> BarFrame:
    nothing = np.empty(0, dtype=np.float64)
    return BarFrame(
        symbol=symbol,
        timestamps=np.empty(0, dtype=np.int64),
        open=nothing,
        high=nothing,
        low=nothing,
        close=nothing,
        volume=nothing,
    )
