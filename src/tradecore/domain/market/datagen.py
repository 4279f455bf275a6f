"""Deterministic synthetic bars for tests, benchmarks and demos.

Every draw comes from one explicitly seeded ``numpy.random.Generator`` in a fixed
order, and every step is vectorized numpy, so the same arguments give byte-identical
frames in any process (and a million bars in well under a second).

Bar times: around the clock by default; with a :class:`MarketCalendar`, only inside
its sessions (real trading days, holidays skipped, early closes honoured), which is
what a backtest on US equities should see. The older ``Session.REGULAR_HOURS`` mode
(fixed 09:30-16:00 New York on every weekday, holidays not skipped) is kept unchanged
for the callers and pinned results that use it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.indicators import linear_recursion

_SESSION_MINUTES = 390  # 09:30-16:00 New York
_DAY_NS = 86_400 * 1_000_000_000
_HOUR_NS = 3_600 * 1_000_000_000
_DAY = timedelta(days=1)
Matrix = NDArray[np.float64]


class Shape(enum.StrEnum):
    """The price behaviour to simulate."""

    RANDOM_WALK = "random_walk"  # log-normal steps with a small drift
    TRENDING = "trending"  # a persistent drift (``trend``) under the noise
    MEAN_REVERTING = "mean_reverting"  # Ornstein-Uhlenbeck in log price
    GAP_DOWN = "gap_down"  # a random walk with one overnight-style gap (``gap``)
    ONE_FACTOR = "one_factor"  # a common market factor; ``correlation`` sets rho


class Session(enum.StrEnum):
    """Which instants get bars."""

    CONTINUOUS = "continuous"  # start + i * interval, around the clock
    #: 09:30-16:00 America/New_York on weekdays (US DST rules since 2007); exchange
    #: holidays and early closes are not known. Pass ``calendar=`` for real sessions.
    REGULAR_HOURS = "regular_hours"


@attrs.frozen(kw_only=True, slots=True)
class ShapeParams:
    """Knobs of the generator; log returns are per bar."""

    volatility: float = 0.001
    drift: float = 0.0
    #: Total log move a ``TRENDING`` series drifts over its whole length.
    trend: float = 0.5
    #: Fraction of the log distance to the starting level closed per bar.
    reversion: float = 0.02
    #: Simple return of the gap bar's open against the previous close.
    gap: float = -0.10
    #: Where the gap falls, as a fraction of the series.
    gap_at: float = 0.5
    #: Pairwise correlation of bar returns under ``ONE_FACTOR`` (0..1).
    correlation: float = 0.6
    start_price: float = 100.0
    #: Median volume of a quiet bar.
    volume: float = 10_000.0

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.correlation <= 1.0:
            raise InvalidInput("correlation", self.correlation, "must be in [0, 1]")
        if not 0.0 < self.reversion < 1.0:
            raise InvalidInput("reversion", self.reversion, "must be in (0, 1)")
        if self.gap <= -1.0:
            raise InvalidInput("gap", self.gap, "must be > -1 (a price stays > 0)")
        if self.volatility < 0 or self.start_price <= 0 or self.volume < 0:
            raise InvalidInput("params", self, "volatility/volume >= 0, price > 0")


def generate_bars(
    symbols: Sequence[str],
    n_bars: int,
    *,
    start: datetime,
    seed: int | np.random.Generator,
    interval: timedelta = timedelta(minutes=1),
    shape: Shape = Shape.RANDOM_WALK,
    session: Session = Session.CONTINUOUS,
    params: ShapeParams | None = None,
    calendar: MarketCalendar | None = None,
) -> list[BarFrame]:
    """Generate ``n_bars`` bars for each symbol, in the order given.

    Args:
        symbols: tickers; each gets its own frame.
        n_bars: bars per symbol.
        start: aware UTC datetime; the first bar starts at or after it.
        seed: an int (a fresh ``default_rng(seed)``) or a Generator to draw from.
        interval: bar length; under ``REGULAR_HOURS`` at most a session long; with
            a calendar at most a regular session long, or exactly one day.
        shape: the price behaviour.
        session: around the clock, or US regular trading hours only (fixed hours,
            no holidays); leave it ``CONTINUOUS`` when a calendar is given.
        params: the shape's knobs; defaults to :class:`ShapeParams()`.
        calendar: when given, bars fall only inside its sessions (see
            :func:`bar_timestamps`); it must cover every bar.

    Returns:
        One validated, read-only :class:`BarFrame` per symbol (provenance
        ``SIMULATED``), prices rounded to cents, volumes to whole shares.
    """
    knobs = params or ShapeParams()
    if n_bars < 0:
        raise InvalidInput("n_bars", n_bars, "must be >= 0")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    stamps = bar_timestamps(
        n_bars, start=start, interval=interval, session=session, calendar=calendar
    )
    steps, jumps = _log_steps(shape, rng, len(symbols), n_bars, knobs)
    ohlcv = _ohlcv(rng, steps, jumps, knobs)
    return [
        BarFrame(
            symbol=symbol,
            timestamps=stamps,
            **{name: column[i] for name, column in ohlcv.items()},
            provenance=Provenance.SIMULATED,
        )
        for i, symbol in enumerate(symbols)
    ]


def bar_timestamps(
    n_bars: int,
    *,
    start: datetime,
    interval: timedelta,
    session: Session = Session.CONTINUOUS,
    calendar: MarketCalendar | None = None,
) -> NDArray[np.int64]:
    """Return ``n_bars`` bar start times (int64 ns, UTC) from ``start`` on.

    With a ``calendar``, intraday bars start at each session's open and step by
    ``interval``; only whole bars are produced (a bar that would run past the close,
    e.g. the 15:30 hourly bar of a 16:00 close, is not), so an early close at 13:00
    New York ends the 1-minute bars at 12:59. A one-day ``interval`` gives one bar
    per session, stamped as Alpaca stamps daily bars (see :func:`_daily_stamp`).

    Raises:
        InvalidInput: a non-positive interval; an interval that does not fit the
            session mode; a calendar combined with ``REGULAR_HOURS``, or one that
            ends before ``n_bars`` bars were placed.
    """
    step = interval // timedelta(microseconds=1) * 1_000
    if step <= 0:
        raise InvalidInput("interval", interval, "must be positive")
    first = to_ns(start)
    if calendar is not None:
        if session is not Session.CONTINUOUS:
            raise InvalidInput("session", session, "give a calendar or a session mode")
        return _calendar_timestamps(n_bars, start, interval, calendar)
    if session is Session.CONTINUOUS:
        return first + np.arange(n_bars, dtype=np.int64) * step
    if interval > timedelta(minutes=_SESSION_MINUTES):
        raise InvalidInput("interval", interval, "must fit in one session")
    per_day = math.ceil(_SESSION_MINUTES * 60 * 1_000_000_000 / step)
    opens = _session_opens_ns(start.astimezone(UTC).date(), n_bars // per_day + 2)
    grid = (opens[:, None] + np.arange(per_day, dtype=np.int64) * step).ravel()
    return grid[grid >= first][:n_bars]


def _calendar_timestamps(
    n_bars: int, start: datetime, interval: timedelta, calendar: MarketCalendar
) -> NDArray[np.int64]:
    """Bar starts inside ``calendar``'s sessions, fetched a batch of sessions at a time."""
    daily = interval == _DAY
    if interval > _DAY or (not daily and calendar.bars_per_session(interval) < 1.0):
        raise InvalidInput(
            "interval", interval, f"must fit in a {calendar.name} session or be 1 day"
        )
    first = to_ns(start)
    step = interval // timedelta(microseconds=1) * 1_000
    per_session = 1 if daily else max(1, int(calendar.bars_per_session(interval)))
    found: list[NDArray[np.int64]] = []
    count = 0
    day = calendar.trading_day(start)
    while count < n_bars:
        span = timedelta(days=(n_bars - count) // per_session * 7 // 5 + 7)
        end = (
            day + span
            if calendar.is_always_open
            else min(day + span, calendar.last_session)
        )
        if day > end:
            raise InvalidInput(
                "n_bars", n_bars, f"more bars than {calendar.name}'s sessions hold"
            )
        sessions = calendar.sessions_between(day, end)
        opens = np.array([to_ns(s.open) for s in sessions], dtype=np.int64)
        closes = np.array([to_ns(s.close) for s in sessions], dtype=np.int64)
        if daily:
            grid = np.array(
                [_daily_stamp(s.date, calendar) for s in sessions], dtype=np.int64
            )
        else:
            most = int((closes - opens).max() // step) if len(opens) else 0
            starts = opens[:, None] + np.arange(most, dtype=np.int64) * step
            grid = starts[starts + step <= closes[:, None]]
        grid = grid[grid >= first]
        found.append(grid)
        count += len(grid)
        day = end + _DAY
    return np.concatenate(found)[:n_bars] if found else np.empty(0, dtype=np.int64)


def _daily_stamp(day: date, calendar: MarketCalendar) -> int:
    """A daily bar's time: midnight America/New_York of the session date, in UTC.

    That is Alpaca's convention for US equities: the 1Day bar of 2022-04-11 is
    ``"t":"2022-04-11T04:00:00Z"`` (docs/alpaca.md, section 8, "Response
    shapes": 04:00Z is midnight EDT; 05:00Z under EST). Sessions never fall on a
    Sunday, when US clocks change, so the date's own DST state is the one at its
    midnight. An always-open calendar's day starts at midnight UTC.
    """
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if calendar.is_always_open:
        return to_ns(midnight)
    return to_ns(midnight) + (4 if _new_york_dst(day) else 5) * _HOUR_NS


def _session_opens_ns(first_day: date, n_sessions: int) -> NDArray[np.int64]:
    opens: list[int] = []
    day = first_day
    while len(opens) < n_sessions:
        if day.weekday() < 5:
            hour_utc = 13 if _new_york_dst(day) else 14  # 09:30 EDT / EST
            opening = datetime(day.year, day.month, day.day, hour_utc, 30, tzinfo=UTC)
            opens.append(to_ns(opening))
        day += timedelta(days=1)
    return np.array(opens, dtype=np.int64)


def _new_york_dst(day: date) -> bool:
    # Second Sunday of March to first Sunday of November (US rule since 2007).
    march = date(day.year, 3, 8)
    begins = march + timedelta(days=(6 - march.weekday()) % 7)
    november = date(day.year, 11, 1)
    ends = november + timedelta(days=(6 - november.weekday()) % 7)
    return begins <= day < ends


def _log_steps(
    shape: Shape, rng: np.random.Generator, k: int, n: int, p: ShapeParams
) -> tuple[Matrix, Matrix]:
    """Return (intra-bar log returns, opening jumps), each k symbols x n bars."""
    noise = rng.standard_normal((k, n))
    jumps = np.zeros((k, n))
    if shape is Shape.ONE_FACTOR:
        factor = rng.standard_normal(n)
        rho = p.correlation
        noise = math.sqrt(rho) * factor + math.sqrt(1.0 - rho) * noise
    steps = p.drift + p.volatility * noise
    if shape is Shape.TRENDING:
        steps = steps + p.trend / max(n, 1)
    elif shape is Shape.MEAN_REVERTING:
        # y_t = (1 - kappa) y_{t-1} + sigma e_t, the log distance from the start level.
        start = np.zeros((k, 1))
        level = linear_recursion(p.volatility * noise, 1.0 - p.reversion, 1.0, start)
        steps = np.diff(level, axis=1, prepend=0.0)
    elif shape is Shape.GAP_DOWN and n:
        jumps[:, min(int(p.gap_at * n), n - 1)] = math.log1p(p.gap)
    return steps, jumps


def _ohlcv(
    rng: np.random.Generator, steps: Matrix, jumps: Matrix, p: ShapeParams
) -> dict[str, Matrix]:
    k, n = steps.shape
    base = math.log(p.start_price) + rng.uniform(-0.5, 0.5, (k, 1))
    log_close = base + np.cumsum(steps + jumps, axis=1)
    previous = np.concatenate([base, log_close[:, :-1]], axis=1)
    log_open = previous + jumps
    wick = 0.5 * p.volatility * np.abs(rng.standard_normal((2, k, n)))
    high = np.maximum(log_open, log_close) + wick[0]
    low = np.minimum(log_open, log_close) - wick[1]
    surprise = np.abs(steps + jumps) / max(p.volatility, 1e-12)
    volume = p.volume * rng.lognormal(0.0, 0.5, (k, n)) * (1.0 + surprise)
    # Rounding is monotone, so rounded highs and lows still envelop open and close.
    return {
        "open": _cents(log_open),
        "high": _cents(high),
        "low": _cents(low),
        "close": _cents(log_close),
        "volume": np.rint(volume),
    }


def _cents(log_price: Matrix) -> Matrix:
    return np.maximum(np.round(np.exp(log_price), 2), 0.01)
