"""What the report shows, computed once: chart specs, tables and the statistics.

Used by the HTML page and by a notebook's ``result.plot()`` alike, so the charts a
notebook draws are the report's charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report import figures
from tradecore.adapters.report.analysis import (
    DrawdownPeriod,
    FillColumns,
    Release,
    TripRow,
    benchmark,
    calendar_returns,
    day_returns,
    drawdown_periods,
    longest_drawdown,
    release_all,
    rolling_statistics,
)
from tradecore.adapters.report.trade_list import RowSink, TradeList, collect_trades
from tradecore.domain.market.bar_frame import BarFrame

Rows = Sequence[Mapping[str, object]]
MAX_PRICE_CHARTS = 12
TOP_DRAWDOWNS = 5

#: (statistic, label, format kind): the full statistics table, in this order.
STATISTICS = [
    ("total_return", "Total return", "signed_percent"),
    ("cagr", "CAGR", "signed_percent"),
    ("annualized_volatility", "Volatility (ann.)", "percent"),
    ("sharpe", "Sharpe (ann., bar returns)", "ratio"),
    ("sharpe_daily", "Sharpe (ann., daily returns)", "ratio"),
    ("sortino", "Sortino (ann.)", "ratio"),
    ("calmar", "Calmar", "ratio"),
    ("max_drawdown", "Max drawdown", "percent"),
    ("max_drawdown_duration", "Longest drawdown", "duration"),
    ("round_trips", "Round trips", "count"),
    ("win_rate", "Win rate", "percent"),
    ("profit_factor", "Profit factor", "ratio"),
    ("psr", "PSR (bar returns, vs 0)", "percent"),
    ("psr_daily", "PSR (daily returns, vs 0)", "percent"),
    ("dsr", "DSR", "percent"),
    ("skew", "Skew (bar returns)", "ratio"),
    ("kurtosis", "Kurtosis (raw, bar returns)", "ratio"),
    ("exposure", "Time in market", "percent"),
    ("turnover", "Turnover", "times"),
    ("fees", "Fees", "money"),
    ("execution_cost", "Execution cost (spread, impact, fees)", "money"),
    ("implementation_shortfall", "Implementation shortfall", "money"),
    ("realized_pnl", "Realized P&L", "money"),
    ("final_equity", "Final equity", "money"),
    ("fills", "Fills", "count"),
    ("orders", "Orders", "count"),
    ("bars", "Bars", "count"),
    ("symbols", "Symbols", "count"),
]
#: Summary keys that identify the run rather than measure it: the provenance section.
PROVENANCE = [
    "strategy_id",
    "fill_model",
    "calendar",
    "annualization",
    "periods_per_year",
    "config_hash",
    "manifest_hash",
    "data_fingerprint",
    "cost_model_version",
    "calibrated_cost_model_version",
]


@attrs.frozen(kw_only=True)
class ReportContent:
    """The report's charts (Plotly specs by name), tables and statistics."""

    charts: dict[str, dict[str, object]]
    #: Every round trip, unless a sink took them as they closed (then empty).
    trips: list[TripRow]
    #: What the page shows of the round trips (bounded).
    trades: TradeList
    drawdowns: list[DrawdownPeriod]
    stamps: NDArray[np.int64]
    statistics: dict[str, object]
    price_symbols: int
    symbols_total: int


def drawdown_of(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Drawdown from the running peak; total (-1) for a blown-up account."""
    if len(values) == 0:
        return values.copy()
    peak = np.maximum.accumulate(values)
    ratio = np.divide(values, peak, out=np.full_like(values, np.nan), where=peak > 0)
    return np.nan_to_num(ratio - 1.0, nan=-1.0)


def charted_symbols(bars: Sequence[BarFrame]) -> frozenset[str]:
    """The symbols with a price chart: the trade list keeps their last trips."""
    return frozenset(f.symbol for f in figures.price_frames(bars, MAX_PRICE_CHARTS))


def build_content(
    summary: Mapping[str, object],
    stamps: NDArray[np.int64],
    values: NDArray[np.float64],
    fills: Rows,
    bars: Sequence[BarFrame],
    *,
    max_points: int,
    release: Release | None = None,
    trip_sink: RowSink | None = None,
    collected: tuple[TradeList, FillColumns] | None = None,
) -> ReportContent:
    """Compute every chart and table of the report.

    ``release`` (bars on memory-mapped files) hears each frame whenever a pass over
    it is done, so the report's reads do not bring every page of the run back.
    ``trip_sink`` takes every round trip's row as it closes (the report's
    trades.csv); the content then keeps only what the page shows of them.
    ``collected``: what ``collect_trades`` gave for ``fills`` and ``bars`` (marked
    by :func:`charted_symbols`), taken before (a replay takes it with its
    summary's fill statistics): the fills are then not read here.
    """
    shown = figures.price_frames(bars, MAX_PRICE_CHARTS)
    trades, columns = collected or collect_trades(
        fills,
        bars,
        release,
        marked=frozenset(frame.symbol for frame in shown),
        sink=trip_sink,
    )
    release_all(bars, release)
    drawdown = drawdown_of(values)
    charts: dict[str, dict[str, object]] = {}
    bench = None
    if len(values):
        bench = benchmark(bars, stamps, float(values[0]), release)
        charts["equity"] = figures.equity_figure(stamps, values, bench, max_points)
        charts["drawdown"] = figures.drawdown_figure(stamps, drawdown, max_points)
    for frame in shown:
        charts[f"price-{frame.symbol}"] = figures.price_figure(
            frame,
            trades.marked_trips(frame.symbol),
            max_points,
            total=trades.counts.get(frame.symbol, 0),
        )
        release_all((frame,), release)
    calendar = calendar_returns(stamps, values)
    if calendar.years:
        charts["calendar-returns"] = figures.calendar_figure(calendar)
    rolling = rolling_statistics(stamps, values)
    if np.isfinite(rolling.sharpe).any() or np.isfinite(rolling.volatility).any():
        charts["rolling"] = figures.rolling_figure(rolling)
    days = day_returns(stamps, values)
    if len(days):
        charts["distribution"] = figures.distribution_figure(days)
    pnl = trades.symbol_pnl()
    if pnl:
        charts["symbol-pnl"] = figures.symbol_pnl_figure(pnl)
    if columns and len(values):
        exposure = columns.exposure(bars, stamps, values, release)
        charts["exposure"] = figures.exposure_figure(stamps, exposure, max_points)
    return ReportContent(
        charts=charts,
        trips=trades.every or [],
        trades=trades,
        drawdowns=drawdown_periods(values, drawdown, TOP_DRAWDOWNS),
        stamps=stamps,
        statistics=_with_benchmark(
            statistics(summary, stamps, values, drawdown), bench
        ),
        price_symbols=len(shown),
        symbols_total=sum(1 for f in bars if len(f)),
    )


def statistics(
    summary: Mapping[str, object],
    stamps: NDArray[np.int64],
    values: NDArray[np.float64],
    drawdown: NDArray[np.float64],
) -> dict[str, object]:
    """The summary's leaves plus what the report derives from the curve.

    ``total_return`` is ``last / first - 1`` (as
    :func:`~tradecore.domain.research.metrics.summarize_performance` defines it);
    ``max_drawdown_duration`` the longest time below a previous peak; ``dsr``, when
    the summary has none, is the deflated Sharpe ratio of a single trial, which
    equals the PSR (Bailey & López de Prado 2014: the expected maximum Sharpe of one
    trial is 0); a sweep deflates it by its number of trials.
    """
    leaves: dict[str, object] = {}
    _leaves(summary, leaves)
    if "total_return" not in leaves and len(values) and values[0] > 0:
        leaves["total_return"] = float(values[-1] / values[0] - 1.0)
    if len(values):
        leaves.setdefault("max_drawdown_duration", longest_drawdown(stamps, drawdown))
    if "dsr" not in leaves and "psr" in leaves:
        leaves["dsr"] = leaves["psr"]
        leaves["dsr_trials"] = 1
    return leaves


def _with_benchmark(
    stats: dict[str, object], bench: NDArray[np.float64] | None
) -> dict[str, object]:
    """``benchmark_return``: buy-and-hold of the same symbols over the run."""
    if bench is not None and len(bench) and bench[0] > 0:
        stats["benchmark_return"] = float(bench[-1] / bench[0] - 1.0)
    return stats


def _leaves(mapping: Mapping[str, object], into: dict[str, object]) -> None:
    for key in sorted(mapping, key=str):
        value = mapping[key]
        if isinstance(value, Mapping):
            _leaves(value, into)
        else:
            into.setdefault(str(key), value)
