"""The research statistics every replay summary carries (one call for the runner)."""

from __future__ import annotations

from collections.abc import Iterable

from numpy.typing import ArrayLike

from tradecore.domain.research.metrics import MarketCalendar, daily_returns
from tradecore.domain.research.statistics import psr_of_returns, return_statistics
from tradecore.domain.research.trades import (
    FillLike,
    exposure,
    round_trips,
    trade_statistics,
)


def research_statistics(
    timestamps: ArrayLike,
    equity: ArrayLike,
    fills: Iterable[FillLike],
    *,
    periods_per_year: float,
    calendar: MarketCalendar | None = None,
) -> dict[str, float | int]:
    """Return the statistics a replay summary adds to its headline metrics.

    ``cagr``, ``annualized_volatility``, ``sortino``, ``calmar``, ``skew`` and raw
    ``kurtosis`` of the period returns and ``psr`` (the probabilistic Sharpe ratio
    against 0 of those returns); ``psr_daily`` (the same of the daily returns,
    session close to session close); ``exposure``, ``round_trips``, ``win_rate``
    and ``profit_factor`` from the fills (FIFO round trips). ``fills`` is
    iterated twice, so pass a re-iterable sequence, in time order.
    """
    stats = return_statistics(equity, periods_per_year).as_dict()
    days = daily_returns(timestamps, equity, calendar)
    trades = trade_statistics(round_trips(fills))
    return {
        **stats,
        "psr_daily": psr_of_returns(days),
        "exposure": exposure(timestamps, fills),
        "round_trips": trades.round_trips,
        "win_rate": trades.win_rate,
        "profit_factor": trades.profit_factor,
    }
