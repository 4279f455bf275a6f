"""Performance metrics of an equity curve: returns, Sharpe, drawdown, turnover.

Conventions (stated once, used everywhere):

* returns are simple per-period returns ``e[i] / e[i-1] - 1``;
* Sharpe is ``mean / stdev (ddof=1) * sqrt(periods per year)`` with a zero risk-free
  rate; it is NaN when undefined (fewer than two returns, or zero variance);
* periods per year are passed in, or inferred from the timestamps by
  :func:`periods_per_year`: intraday bars count ``252 x`` the median number of bars
  per UTC calendar day (390 for US regular hours, 1440 for round-the-clock minutes),
  daily bars count 252, and coarser bars count ``365.25 days / median spacing``;
* drawdown is a fraction of the running peak: ``e / max(e[:i+1]) - 1`` (<= 0), and
  max drawdown is reported as a positive fraction (0.25 = 25 % below the peak);
* turnover is total traded notional divided by the average equity.

Sums go through ``math.fsum`` (exactly rounded), so results do not depend on how a
CPU's SIMD units order additions: the same curve gives the same bits anywhere.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain.errors import InvalidInput

TRADING_DAYS_PER_YEAR = 252
_DAY_NS = 86_400 * 1_000_000_000
_INTRADAY_BELOW_NS = 20 * 3_600 * 1_000_000_000
_DAILY_BELOW_NS = 4 * _DAY_NS

FloatArray = NDArray[np.float64]


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

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for reports and JSON)."""
        return attrs.asdict(self)


def summarize_performance(
    timestamps: ArrayLike,
    equity: ArrayLike,
    *,
    traded_notional: ArrayLike = 0.0,
    periods_per_year_override: float | None = None,
) -> PerformanceSummary:
    """Compute the headline metrics of an equity curve.

    Args:
        timestamps: int64 ns since the epoch, one per equity value.
        equity: the equity curve (> 0).
        traded_notional: per-fill notionals (or a total) for turnover.
        periods_per_year_override: annualization factor; inferred when ``None``.

    Raises:
        InvalidInput: lengths differ, fewer than two points, or bad equity values.
    """
    curve = _equity(equity)
    stamps = np.asarray(timestamps, dtype=np.int64)
    if len(stamps) != len(curve):
        raise InvalidInput("timestamps", len(stamps), f"!= {len(curve)} equity values")
    per_year = periods_per_year_override or periods_per_year(stamps)
    returns = period_returns(curve)
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
    )
