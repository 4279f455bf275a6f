"""Performance metrics of an equity curve: returns, Sharpe, drawdown, turnover.

Conventions (stated once, used everywhere):

* returns are simple per-period returns ``e[i] / e[i-1] - 1``;
* Sharpe is ``mean / stdev (ddof=1) * sqrt(periods per year)`` with a zero risk-free
  rate; it is NaN when undefined (fewer than two returns, or zero variance);
* periods per year come from the market calendar when one is given:
  ``sessions_per_year x bars_per_session(interval)`` (252 x 390 for XNYS minutes,
  252 for daily bars, 365 x 1440 for always-open minutes), see
  :func:`calendar_periods_per_year`. Without a calendar they are passed in, or
  inferred from the timestamps by :func:`periods_per_year`: intraday bars count
  ``252 x`` the median number of bars per UTC calendar day (390 for US regular
  hours, 1440 for round-the-clock minutes), daily bars count 252, and coarser bars
  count ``365.25 days / median spacing``;
* the daily Sharpe takes the last equity of each trading day (the calendar's
  ``trading_day``; the UTC date without a calendar), the returns between consecutive
  days' closing equity (the first day's from the opening equity), and annualizes
  with ``sqrt(sessions_per_year)`` (252 without a calendar);
* drawdown is a fraction of the running peak: ``e / max(e[:i+1]) - 1`` (<= 0), and
  max drawdown is reported as a positive fraction (0.25 = 25 % below the peak);
* turnover is total traded notional divided by the average equity.

Sums go through ``math.fsum`` (exactly rounded), so results do not depend on how a
CPU's SIMD units order additions: the same curve gives the same bits anywhere.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain.errors import InvalidInput

TRADING_DAYS_PER_YEAR = 252
_DAY_NS = 86_400 * 1_000_000_000
_INTRADAY_BELOW_NS = 20 * 3_600 * 1_000_000_000
_DAILY_BELOW_NS = 4 * _DAY_NS

FloatArray = NDArray[np.float64]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MarketCalendar(Protocol):
    """What the metrics ask of a market calendar (``domain.market.MarketCalendar``).

    A protocol, so research stays independent of the market room.
    """

    @property
    def name(self) -> str:
        """The calendar's name, e.g. ``"XNYS"``."""
        ...

    @property
    def sessions_per_year(self) -> float:
        """Sessions in a year: the daily annualization factor."""
        ...

    def bars_per_session(self, interval: timedelta) -> float:
        """Bars of ``interval`` in a regular session (1 for daily bars)."""
        ...

    def next_close(self, at: datetime) -> datetime:
        """The first session close strictly after ``at``."""
        ...


def _equity(values: ArrayLike) -> FloatArray:
    equity = np.asarray(values, dtype=np.float64)
    if equity.ndim != 1:
        raise InvalidInput("equity", equity.shape, "must be 1-dimensional")
    bad = ~((equity > 0) & (equity < np.inf))
    if bad.any():
        index = int(bad.argmax())
        reason = f"at index {index} must be > 0 and finite"
        raise InvalidInput("equity", float(equity[index]), reason)
    return equity


def _mean(values: FloatArray) -> float:
    return math.fsum(values.tolist()) / len(values)


def _sample_variance(values: FloatArray) -> float:
    mean = _mean(values)
    return math.fsum(((values - mean) ** 2).tolist()) / (len(values) - 1)


def period_returns(equity: ArrayLike) -> FloatArray:
    """Return the simple returns between consecutive equity values (n - 1 of them).

    Raises:
        InvalidInput: an equity value is not positive and finite.
    """
    curve = _equity(equity)
    return curve[1:] / curve[:-1] - 1.0


def periods_per_year(timestamps: ArrayLike) -> float:
    """Infer how many bars make a year from int64 ns timestamps (see module doc).

    Raises:
        InvalidInput: fewer than two timestamps, or they do not increase.
    """
    stamps = np.asarray(timestamps, dtype=np.int64)
    if len(stamps) < 2:
        raise InvalidInput("timestamps", len(stamps), "need at least two")
    spacing = np.diff(stamps)
    if (spacing <= 0).any():
        raise InvalidInput("timestamps", "unordered", "must be strictly increasing")
    median = float(np.median(spacing))
    if median < _INTRADAY_BELOW_NS:
        _, per_day = np.unique(stamps // _DAY_NS, return_counts=True)
        return TRADING_DAYS_PER_YEAR * float(np.median(per_day))
    if median < _DAILY_BELOW_NS:
        return float(TRADING_DAYS_PER_YEAR)
    return 365.25 * _DAY_NS / median


def calendar_periods_per_year(calendar: MarketCalendar, interval: timedelta) -> float:
    """Return ``sessions_per_year x bars_per_session(interval)`` of ``calendar``."""
    return calendar.sessions_per_year * calendar.bars_per_session(interval)


def _annualization(calendar: MarketCalendar, interval: timedelta) -> str:
    bars = calendar.bars_per_session(interval)
    return f"{calendar.sessions_per_year:g} sessions x {bars:g} bars ({calendar.name})"


def _median_interval(stamps: NDArray[np.int64]) -> timedelta:
    if len(stamps) < 2:
        raise InvalidInput("timestamps", len(stamps), "need at least two")
    spacing = np.diff(stamps)
    if (spacing <= 0).any():
        raise InvalidInput("timestamps", "unordered", "must be strictly increasing")
    return timedelta(microseconds=int(np.median(spacing)) // 1_000)


def day_ends(
    timestamps: ArrayLike, calendar: MarketCalendar | None = None
) -> NDArray[np.int64]:
    """Return the index of the last timestamp of each trading day, in order.

    A day is ``calendar.trading_day(t)`` (after the close belongs to the next
    session), or the UTC date without a calendar. Asks the calendar once per day.
    """
    stamps = np.asarray(timestamps, dtype=np.int64)
    if calendar is None:
        days = stamps // _DAY_NS
        change = np.flatnonzero(days[1:] != days[:-1])
        return np.append(change, len(stamps) - 1).astype(np.int64)
    ends: list[int] = []
    i = 0
    while i < len(stamps):
        at = _EPOCH + timedelta(microseconds=int(stamps[i]) // 1_000)
        close = (calendar.next_close(at) - _EPOCH) // timedelta(microseconds=1) * 1_000
        # max(): a stamp within a microsecond after a close cannot stall the loop.
        i = max(i + 1, int(np.searchsorted(stamps, close, "left")))
        ends.append(i - 1)
    return np.array(ends, dtype=np.int64)


def daily_returns(
    timestamps: ArrayLike, equity: ArrayLike, calendar: MarketCalendar | None = None
) -> FloatArray:
    """Return each trading day's return: its last equity over the previous day's.

    The first day's is against the opening equity (the curve's first value).
    """
    curve = _equity(equity)
    if len(curve) == 0:
        return np.empty(0)
    closes = curve[day_ends(timestamps, calendar)]
    returns: FloatArray = closes / np.concatenate([curve[:1], closes[:-1]]) - 1.0
    return returns


def sharpe_ratio(returns: ArrayLike, periods_per_year: float) -> float:
    """Return the annualized Sharpe ratio of per-period returns (zero risk-free rate).

    Returns NaN when it is undefined: fewer than two returns or zero variance.
    """
    values = np.asarray(returns, dtype=np.float64)
    if len(values) < 2:
        return math.nan
    variance = _sample_variance(values)
    if variance == 0.0:
        return math.nan
    return _mean(values) / math.sqrt(variance) * math.sqrt(periods_per_year)


def annualized_volatility(returns: ArrayLike, periods_per_year: float) -> float:
    """Return ``stdev (ddof=1) * sqrt(periods_per_year)``; NaN for < 2 returns."""
    values = np.asarray(returns, dtype=np.float64)
    if len(values) < 2:
        return math.nan
    return math.sqrt(_sample_variance(values) * periods_per_year)


def drawdown_series(equity: ArrayLike) -> FloatArray:
    """Return the drawdown at each point: ``e / running peak - 1`` (0 at new highs)."""
    curve = _equity(equity)
    return curve / np.maximum.accumulate(curve) - 1.0


def max_drawdown(equity: ArrayLike) -> float:
    """Return the deepest drawdown as a positive fraction of the peak (0.0 if none)."""
    drawdowns = drawdown_series(equity)
    return 0.0 if len(drawdowns) == 0 else float(-drawdowns.min()) + 0.0


def turnover(traded_notional: ArrayLike, equity: ArrayLike) -> float:
    """Return total traded notional (absolute values) over the average equity.

    Args:
        traded_notional: one notional per fill (sign ignored) or a total.
        equity: the equity curve over the same period.
    """
    curve = _equity(equity)
    if len(curve) == 0:
        raise InvalidInput("equity", 0, "need at least one value")
    notional = np.abs(np.atleast_1d(np.asarray(traded_notional, dtype=np.float64)))
    return math.fsum(notional.tolist()) / _mean(curve)


@attrs.frozen(kw_only=True, slots=True)
class PerformanceSummary:
    """The headline numbers of one equity curve (see the module doc for conventions)."""

    start_equity: float
    end_equity: float
    total_return: float
    annualized_volatility: float
    sharpe: float
    max_drawdown: float
    turnover: float
    periods: int
    periods_per_year: float
    #: How ``periods_per_year`` was found, e.g. "252 sessions x 390 bars (XNYS)".
    annualization: str
    #: Sharpe of daily returns (session close to session close), x sqrt(sessions).
    sharpe_daily: float
    #: Trading days the daily Sharpe saw.
    days: int

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for reports and JSON)."""
        return attrs.asdict(self)


def summarize_performance(
    timestamps: ArrayLike,
    equity: ArrayLike,
    *,
    traded_notional: ArrayLike = 0.0,
    periods_per_year_override: float | None = None,
    calendar: MarketCalendar | None = None,
    interval: timedelta | None = None,
) -> PerformanceSummary:
    """Compute the headline metrics of an equity curve.

    Args:
        timestamps: int64 ns since the epoch, one per equity value.
        equity: the equity curve (> 0).
        traded_notional: per-fill notionals (or a total) for turnover.
        periods_per_year_override: annualization factor; else from the calendar,
            else inferred from the timestamps.
        calendar: the market the curve was traded on (its sessions make the days
            and the annualization); ``None``: UTC dates and inference.
        interval: the bar length; the median timestamp spacing when ``None``.

    Raises:
        InvalidInput: lengths differ, fewer than two points, or bad equity values.
    """
    curve = _equity(equity)
    stamps = np.asarray(timestamps, dtype=np.int64)
    if len(stamps) != len(curve):
        raise InvalidInput("timestamps", len(stamps), f"!= {len(curve)} equity values")
    if periods_per_year_override:
        per_year = periods_per_year_override
        how = f"{per_year:g} periods a year (given)"
    elif calendar is not None:
        bar = interval or _median_interval(stamps)
        per_year = calendar_periods_per_year(calendar, bar)
        how = _annualization(calendar, bar)
    else:
        per_year = periods_per_year(stamps)
        how = f"{per_year:g} periods a year (inferred from timestamps, no calendar)"
    returns = period_returns(curve)
    days = daily_returns(stamps, curve, calendar)
    sessions = TRADING_DAYS_PER_YEAR if calendar is None else calendar.sessions_per_year
    return PerformanceSummary(
        start_equity=float(curve[0]),
        end_equity=float(curve[-1]),
        total_return=float(curve[-1] / curve[0] - 1.0),
        annualized_volatility=annualized_volatility(returns, per_year),
        sharpe=sharpe_ratio(returns, per_year),
        max_drawdown=max_drawdown(curve),
        turnover=turnover(traded_notional, curve),
        periods=len(returns),
        periods_per_year=per_year,
        annualization=how,
        sharpe_daily=sharpe_ratio(days, sessions),
        days=len(days),
    )
