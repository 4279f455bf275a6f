"""Hand-made SVG time-series charts: nice ticks, date axes, gridlines, no libraries.

The report must open offline and stay small, so charts are inline SVG paths built
here; styling comes from the page's CSS classes (``chart-*``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report.escaping import escape

NS = 1_000_000_000
_FIXED_STEPS_S = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600,
                  86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400]  # fmt: skip
_MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60, 120]


@attrs.frozen(kw_only=True)
class ChartStyle:
    """What kind of chart to draw and how to label its values."""

    chart_id: str
    title: str
    kind: str = "line"  # "line" (equity) or "area" (drawdown, filled down to zero)
    percent: bool = False
    width: int = 1100
    height: int = 320
    margin_left: int = 88
    margin_right: int = 24
    margin_top: int = 20
    margin_bottom: int = 40


def nice_step(span: float, target: int) -> float:
    """Return a 1-2-2.5-5 x 10^k step giving about ``target`` intervals of ``span``."""
    if not span > 0:
        return 1.0
    raw = span / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    # The round step closest to the raw one (in ratio), so tick counts stay near target.
    return min(
        (factor * power for factor in (1.0, 2.0, 2.5, 5.0, 10.0)),
        key=lambda step: abs(math.log(step / raw)),
    )


def value_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Return round tick values covering ``[low, high]``."""
    step = nice_step(high - low, target)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def format_value(value: float, step: float, percent: bool) -> str:
    """Spell a tick value with just enough decimals to tell ticks apart."""
    scale = 100.0 if percent else 1.0
    scaled_step = step * scale
    decimals = max(0, -math.floor(math.log10(scaled_step) + 1e-9))
    if round(scaled_step, decimals) != round(scaled_step, decimals + 3):
        decimals += 1
    text = f"{value * scale:,.{decimals}f}".replace("-", "\u2212")
    return text + "%" if percent else text


def time_ticks(start_ns: int, end_ns: int, target: int = 8) -> list[tuple[int, str]]:
    """Return (ns, label) ticks at round UTC times: minutes up to years."""
    span_s = max((end_ns - start_ns) / NS, 1.0)
    for step in _FIXED_STEPS_S:
        if span_s / step <= target:
            step_ns = step * NS
            first = -(-start_ns // step_ns) * step_ns
            stamps = range(first, end_ns + 1, step_ns)
            return [(t, _time_label(t, step, i == 0)) for i, t in enumerate(stamps)]
    months = next(
        (m for m in _MONTH_STEPS if span_s / (m * 30.4 * 86_400) <= target), 240
    )
    return _month_ticks(start_ns, end_ns, months)


def _time_label(stamp_ns: int, step_s: int, first: bool) -> str:
    moment = datetime.fromtimestamp(stamp_ns / NS, UTC)
    day = f"{moment:%b} {moment.day}"
    if step_s >= 86_400:
        return day
    if first or (moment.hour == 0 and moment.minute == 0):
        return f"{day} {moment:%H:%M}"
    return f"{moment:%H:%M}"


def _month_ticks(start_ns: int, end_ns: int, months: int) -> list[tuple[int, str]]:
    start = datetime.fromtimestamp(start_ns / NS, UTC)
    index = start.year * 12 + start.month  # the month after start's month (0-based)
    index += (-index) % months
    ticks: list[tuple[int, str]] = []
    while True:
        moment = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
        stamp = int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(seconds=1))
        if stamp * NS > end_ns:
            return ticks
        ticks.append((stamp * NS, moment.strftime("%Y" if months >= 12 else "%b %Y")))
        index += months


def time_series_svg(
    x_ns: NDArray[np.int64], y: NDArray[np.float64], style: ChartStyle
) -> str:
    """Return an ``<svg>`` element plotting ``y`` against time (already downsampled)."""
    if len(y) == 0:
        return f'<p class="empty">No data for {escape(style.title)}.</p>'
    low, high = _value_range(y, style.kind == "area")
    x0, x1 = int(x_ns[0]), int(max(x_ns[-1], x_ns[0] + 1))
    left, top = style.margin_left, style.margin_top
    plot_w = style.width - left - style.margin_right
    plot_h = style.height - top - style.margin_bottom

    def sx(t: float) -> float:
        return left + (t - x0) / (x1 - x0) * plot_w

    def sy(v: float) -> float:
        return top + (high - v) / (high - low) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {style.width} {style.height}" '
        f'role="img" aria-label="{escape(style.title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        _gradient(style),
        *_value_axis(low, high, style, sy, left + plot_w),
        *_time_axis(x0, x1, sx, top, top + plot_h),
        *_curve(x_ns, y, style, sx, sy, top + plot_h),
        f'<rect class="chart-frame" x="{left}" y="{top}" width="{plot_w}" '
        f'height="{plot_h}"/>',
        "</svg>",
    ]
    return "".join(parts)


def _value_range(y: NDArray[np.float64], down_to_zero: bool) -> tuple[float, float]:
    low, high = float(np.min(y)), float(np.max(y))
    if down_to_zero:
        high = 0.0
        low = min(low * 1.08, -0.001)
    pad = (high - low) * 0.06 or max(abs(high) * 0.01, 1.0)
    return low - (0.0 if down_to_zero else pad), high + (0.0 if down_to_zero else pad)


def _gradient(style: ChartStyle) -> str:
    kind = "down" if style.kind == "area" else "up"
    stops = '<stop offset="0" class="grad-top"/><stop offset="1" class="grad-bottom"/>'
    if kind == "down":
        stops = ('<stop offset="0" class="grad-bottom"/><stop offset="1" '
                 'class="grad-top"/>')  # fmt: skip
    return (
        f'<defs><linearGradient id="{style.chart_id}-fill" class="fill-{kind}" '
        f'x1="0" y1="0" x2="0" y2="1">{stops}</linearGradient></defs>'
    )


def _value_axis(
    low: float,
    high: float,
    style: ChartStyle,
    sy: Callable[[float], float],
    right: float,
) -> list[str]:
    ticks = value_ticks(low, high)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(high - low) or 1.0
    parts = []
    for value in ticks:
        y = sy(value)
        label = format_value(value, step, style.percent)
        parts.append(
            f'<line class="chart-grid" x1="{style.margin_left}" x2="{right:.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/><text class="chart-ylabel" '
            f'x="{style.margin_left - 8}" y="{y + 4:.1f}">{label}</text>'
        )
    return parts


def _time_axis(
    x0: int, x1: int, sx: Callable[[float], float], top: float, bottom: float
) -> list[str]:
    parts = []
    for stamp, label in time_ticks(x0, x1):
        x = sx(stamp)
        parts.append(
            f'<line class="chart-grid chart-vgrid" x1="{x:.1f}" x2="{x:.1f}" '
            f'y1="{top}" y2="{bottom}"/><line class="chart-tick" x1="{x:.1f}" '
            f'x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}"/><text class="chart-xlabel" '
            f'x="{x:.1f}" y="{bottom + 20}">{escape(label)}</text>'
        )
    return parts


def _curve(
    x_ns: NDArray[np.int64],
    y: NDArray[np.float64],
    style: ChartStyle,
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    bottom: float,
) -> list[str]:
    xs = [sx(float(t)) for t in x_ns]
    ys = [sy(float(v)) for v in y]
    line = "M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))
    base = sy(0.0) if style.kind == "area" else bottom
    area = f"{line}L{xs[-1]:.1f},{base:.1f}L{xs[0]:.1f},{base:.1f}Z"
    parts = [
        f'<path class="chart-area" fill="url(#{style.chart_id}-fill)" d="{area}"/>',
        f'<path class="chart-line chart-line-{style.kind}" d="{line}"/>',
    ]
    if style.kind == "area":
        trough = int(np.argmin(y))
        label = format_value(float(y[trough]), 0.001, percent=True)
        x, y_mark = xs[trough], ys[trough]
        flip = x > style.width * 0.8  # keep the note inside the frame
        note_x, anchor = (x - 8, "end") if flip else (x + 8, "start")
        parts.append(
            f'<circle class="chart-marker" cx="{x:.1f}" cy="{y_mark:.1f}" r="4"/>'
            f'<text class="chart-note" text-anchor="{anchor}" x="{note_x:.1f}" '
            f'y="{min(y_mark + 4, bottom - 6):.1f}">max drawdown {label}</text>'
        )
    return parts
