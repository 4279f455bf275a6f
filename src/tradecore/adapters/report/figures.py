"""The report's charts as Plotly figure specs: plain ``{"data", "layout"}`` dicts.

Why Plotly (offline): one library draws the replay report, the sweep heatmap and a
notebook's ``result.plot()``; its charts zoom, pan and show values on hover, which a
static SVG cannot; and ``plotly.js`` is embedded once in the page (no CDN, no network:
the file opens on a plane and archives as one file). Bokeh (backtesting.py's choice)
would add a second plotting stack beside the sweep's.

Why plain dicts rather than ``plotly.graph_objects``: the specs are built without
plotly installed (only the page's script and ``plot()`` need it), they serialize
with sorted keys and fixed float spelling (byte-identical pages for identical runs:
no random ids, no uuids), and ``plotly.graph_objects.Figure(spec)`` turns any of
them into a figure for a notebook.

Long series are downsampled (min/max per bucket, :mod:`.downsample`) and the chart's
title says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report.analysis import CalendarReturns, Rolling, TripRow
from tradecore.adapters.report.chart_floats import ten_digit_floats
from tradecore.adapters.report.downsample import minmax_indices
from tradecore.adapters.report.stamp_texts import second_texts
from tradecore.domain.market.bar_frame import BarFrame, to_ns

Spec = dict[str, Any]
MAX_MARKERS = 500
_BLUE, _GREY, _RED, _GREEN = "#2563eb", "#94a3b8", "#dc2626", "#15803d"
_MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


def _floats(values: NDArray[np.float64] | Sequence[float]) -> list[float | None]:
    """JSON-safe floats: 10 significant digits (stable text), NaN/inf as null."""
    return ten_digit_floats(values)


def _times(stamps: NDArray[np.int64]) -> list[str]:
    """Plotly date strings in UTC (``2024-03-01 14:30:00``)."""
    return second_texts(stamps, " ")


def _layout(title: str, **extra: Any) -> Spec:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "template": "plotly_white",
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "height": 340,
        "hovermode": "x unified",
        **extra,
    }


def _sampled(total: int, shown: int) -> str:
    if shown >= total:
        return ""
    return f" (downsampled: {shown:,} of {total:,} points, min/max per bucket)"


def equity_figure(
    stamps: NDArray[np.int64],
    values: NDArray[np.float64],
    bench: NDArray[np.float64] | None,
    max_points: int,
) -> Spec:
    """The equity curve and the buy-and-hold benchmark of the same universe."""
    keep = minmax_indices(values, max_points)
    x = _times(stamps[keep])
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Strategy",
            "x": x,
            "y": _floats(values[keep]),
            "line": {"color": _BLUE, "width": 1.6},
        }
    ]
    if bench is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": _floats(bench[keep]),
                "name": "Buy & hold (equal weight)",
                "line": {"color": _GREY, "width": 1.2, "dash": "dot"},
            }
        )
    title = "Equity vs buy-and-hold" + _sampled(len(values), len(keep))
    return {"data": data, "layout": _layout(title, yaxis={"title": "equity"})}


def drawdown_figure(
    stamps: NDArray[np.int64], drawdown: NDArray[np.float64], max_points: int
) -> Spec:
    """Drawdown from the running peak, as a shaded area."""
    keep = minmax_indices(drawdown, max_points)
    trace = {
        "type": "scatter",
        "mode": "lines",
        "name": "Drawdown",
        "x": _times(stamps[keep]),
        "y": _floats(drawdown[keep]),
        "fill": "tozeroy",
        "line": {"color": _RED, "width": 1},
    }
    title = "Drawdown" + _sampled(len(drawdown), len(keep))
    return {
        "data": [trace],
        "layout": _layout(title, yaxis={"tickformat": ".1%"}, height=260),
    }


def price_figure(
    frame: BarFrame,
    trips: Sequence[TripRow],
    max_points: int,
    *,
    total: int | None = None,
) -> Spec:
    """One symbol's close with its round trips' entries and exits.

    ``trips`` may be only the symbol's last ones (at least :data:`MAX_MARKERS`) and
    ``total`` how many it has in all (default: as many as ``trips`` holds).
    """
    closes = np.asarray(frame.close, dtype=float)
    keep = minmax_indices(closes, max_points)
    data: list[Spec] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Close",
            "x": _times(frame.timestamps[keep]),
            "y": _floats(closes[keep]),
            "line": {"color": _GREY, "width": 1.2},
        }
    ]
    mine = [t.trip for t in trips if t.trip.symbol == frame.symbol]
    shown = mine[-MAX_MARKERS:]
    for name, side, symbol, color in (
        ("Long entry", 1, "triangle-up", _GREEN),
        ("Short entry", -1, "triangle-down", _RED),
    ):
        picked = [t for t in shown if t.direction == side]
        if picked:
            data.append(
                _markers(
                    name, [(t.opened_at, t.entry_price) for t in picked], symbol, color
                )
            )
    if shown:
        exits = [(t.closed_at, t.exit_price) for t in shown]
        data.append(_markers("Exit", exits, "x", "#111827"))
    title = f"{frame.symbol}: close, entries and exits" + _sampled(
        len(closes), len(keep)
    )
    total = len(mine) if total is None else total
    if len(shown) < total:
        title += f"; last {len(shown):,} of {total:,} trips marked"
    return {"data": data, "layout": _layout(title, height=300)}


def _markers(
    name: str, points: Sequence[tuple[Any, Decimal]], symbol: str, color: str
) -> Spec:
    stamps = np.array([to_ns(at) for at, _ in points], dtype=np.int64)
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": _times(stamps),
        "y": _floats([float(p) for _, p in points]),
        "marker": {"symbol": symbol, "color": color, "size": 8},
    }


def calendar_figure(returns: CalendarReturns) -> Spec:
    """Month returns as a year x month heatmap, the year's return as the last column."""
    z: NDArray[np.float64] = np.column_stack([returns.months, returns.yearly])
    text = [
        ["" if not math.isfinite(v) else f"{v * 100:.1f}%" for v in row]
        for row in np.asarray(z).tolist()
    ]
    trace = {
        "type": "heatmap",
        "x": [*_MONTHS, "Year"],
        "y": [str(y) for y in returns.years],
        "z": [_floats(row) for row in np.asarray(z)],
        "text": text,
        "texttemplate": "%{text}",
        "colorscale": [[0, _RED], [0.5, "#f8fafc"], [1, _GREEN]],
        "zmid": 0,
        "hovertemplate": "%{y} %{x}: %{text}<extra></extra>",
        "colorbar": {"tickformat": ".0%"},
    }
    height = 120 + 32 * max(1, len(returns.years))
    layout = _layout("Monthly and yearly returns (UTC months)", height=height)
    layout["yaxis"] = {"autorange": "reversed", "type": "category"}
    layout["hovermode"] = "closest"
    return {"data": [trace], "layout": layout}


def rolling_figure(rolling: Rolling) -> Spec:
    """Rolling Sharpe ratio and volatility of daily returns (two panels)."""
    x = _times(rolling.stamps)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Sharpe",
            "x": x,
            "y": _floats(rolling.sharpe),
            "line": {"color": _BLUE},
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Volatility",
            "x": x,
            "y": _floats(rolling.volatility),
            "yaxis": "y2",
            "line": {"color": "#ea580c"},
        },
    ]
    title = f"Rolling {rolling.window}-day Sharpe and volatility (annualized, UTC days)"
    layout = _layout(title, height=380)
    layout["yaxis"] = {"domain": [0.55, 1], "title": "Sharpe"}
    layout["yaxis2"] = {"domain": [0, 0.45], "title": "volatility", "tickformat": ".0%"}
    return {"data": data, "layout": layout}


def distribution_figure(days: NDArray[np.float64]) -> Spec:
    """Histogram of daily returns."""
    trace = {
        "type": "histogram",
        "x": _floats(days),
        "nbinsx": 50,
        "name": "Daily returns",
        "marker": {"color": _BLUE},
    }
    title = f"Distribution of {len(days):,} daily returns (UTC days)"
    layout = _layout(title, xaxis={"tickformat": ".1%"}, height=300)
    layout["hovermode"] = "closest"
    return {"data": [trace], "layout": layout}


def symbol_pnl_figure(pnl: Mapping[str, tuple[Decimal, int]]) -> Spec:
    """Realized P&L per symbol (closed round trips, net of fees)."""
    values = [float(p) for p, _ in pnl.values()]
    trace = {
        "type": "bar",
        "x": list(pnl),
        "y": _floats(values),
        "name": "P&L",
        "marker": {"color": [_GREEN if v >= 0 else _RED for v in values]},
    }
    layout = _layout("Realized P&L per symbol (round trips, net of fees)", height=300)
    layout["hovermode"] = "closest"
    return {"data": [trace], "layout": layout}


def exposure_figure(
    stamps: NDArray[np.int64], exposure: NDArray[np.float64], max_points: int
) -> Spec:
    """Gross exposure over time: sum of |position value| over equity."""
    keep = minmax_indices(exposure, max_points)
    trace = {
        "type": "scatter",
        "mode": "lines",
        "name": "Gross exposure",
        "x": _times(stamps[keep]),
        "y": _floats(exposure[keep]),
        "line": {"color": "#9333ea", "width": 1.2},
        "fill": "tozeroy",
    }
    title = "Gross exposure (|positions| / equity)" + _sampled(len(exposure), len(keep))
    return {
        "data": [trace],
        "layout": _layout(title, yaxis={"tickformat": ".0%"}, height=260),
    }


def price_frames(bars: Sequence[BarFrame], limit: int) -> list[BarFrame]:
    """The frames that get a price chart: the first ``limit`` symbols with bars."""
    return [f for f in sorted(bars, key=lambda f: f.symbol) if len(f)][:limit]
