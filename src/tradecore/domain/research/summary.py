"""The research statistics every replay summary carries (one call for the runner)."""

from __future__ import annotations

from collections.abc import Iterable

from numpy.typing import ArrayLike

from tradecore.domain.research.metrics import MarketCalendar, daily_returns
from tradecore.domain.research.statistics import psr_of_returns, return_statistics
from tradecore.domain.research.trades import (
    FillLike,
    FillStatistics,
    fill_statistics,
)


def research_statistics(
    timestamps: ArrayLike,
    equity: ArrayLike,
    fills: Iterable[FillLike] | FillStatistics,
    *,
    periods_per_year: float,
    calendar: MarketCalendar | None = None,
) -> dict[str, float | int]:
    """Return the statistics a replay summary adds to its headline metrics.

    ``cagr``, ``annualized_volatility``, ``sortino``, ``calmar``, ``skew`` and raw
    ``kurtosis`` of the period returns and ``psr`` (the probabilistic Sharpe ratio
    against 0 of those returns); ``psr_daily`` (the same of the daily returns,
    session close to session close); ``exposure``, ``round_trips``, ``win_rate``
    and ``profit_factor`` from the fills (FIFO round trips), in time order, read
    once; or from their :func:`~tradecore.domain.research.trades.fill_statistics`
    already taken (a caller that needs their traded notional as well).
    """
    stats = return_statistics(equity, periods_per_year).as_dict()
    days = daily_returns(timestamps, equity, calendar)
    facts = (
        fills
        if isinstance(fills, FillStatistics)
        else fill_statistics(timestamps, fills)
    )
    trades = facts.trades
    return {
        **stats,
        "psr_daily": psr_of_returns(days),
        "exposure": facts.exposure,
        "round_trips": trades.round_trips,
        "win_rate": trades.win_rate,
        "profit_factor": trades.profit_factor,
    }
