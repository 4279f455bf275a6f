"""Research statistics and splitters for notebooks: ``tc.research.deflated_sharpe_ratio``.

Re-exports :mod:`tradecore.domain.research` (formulas and sources in
``statistics``, ``trades`` and ``splits`` there).
"""

from tradecore.domain.research.metrics import (
    annualized_volatility,
    daily_returns,
    max_drawdown,
    period_returns,
    sharpe_ratio,
    summarize_performance,
)
from tradecore.domain.research.splits import (
    CombinatorialPurgedKFold,
    PurgedKFold,
    WalkForwardWindow,
    walk_forward_split,
    walk_forward_windows,
)
from tradecore.domain.research.statistics import (
    EULER_MASCHERONI,
    ReturnStatistics,
    cagr,
    calmar_ratio,
    deflated_sharpe_ratio,
    downside_deviation,
    expected_max_sharpe,
    kurtosis,
    probabilistic_sharpe_ratio,
    psr_of_returns,
    return_statistics,
    skewness,
    sortino_ratio,
)
from tradecore.domain.research.summary import research_statistics
from tradecore.domain.research.trades import (
    RoundTrip,
    TradeStatistics,
    exposure,
    round_trips,
    trade_statistics,
)

__all__ = [
    "EULER_MASCHERONI",
    "CombinatorialPurgedKFold",
    "PurgedKFold",
    "ReturnStatistics",
    "RoundTrip",
    "TradeStatistics",
    "WalkForwardWindow",
    "annualized_volatility",
    "cagr",
    "calmar_ratio",
    "daily_returns",
    "deflated_sharpe_ratio",
    "downside_deviation",
    "expected_max_sharpe",
    "exposure",
    "kurtosis",
    "max_drawdown",
    "period_returns",
    "probabilistic_sharpe_ratio",
    "psr_of_returns",
    "research_statistics",
    "return_statistics",
    "round_trips",
    "sharpe_ratio",
    "skewness",
    "sortino_ratio",
    "summarize_performance",
    "trade_statistics",
    "walk_forward_split",
    "walk_forward_windows",
]
