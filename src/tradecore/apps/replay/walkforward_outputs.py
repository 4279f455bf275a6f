"""What a walk-forward writes: ``walkforward.csv`` (one row per window),
``equity.csv`` (the stitched out-of-sample curve), ``walkforward.json``, and the
report twice: ``report.md`` and ``walkforward.html`` (in-sample vs out-of-sample
per window as a chart, the stitched equity, the degradation; plotly.js inside the
page, fixed chart ids, so it opens offline and is the same bytes for the same run).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from tradecore.apps.replay.walkforward_run import (
    WalkForwardOutcome,
    WindowResult,
    stitched_sharpe,
)
from tradecore.domain.market.bar_frame import from_ns
from tradecore.domain.research.metrics import max_drawdown

CSV_FILE = "walkforward.csv"
EQUITY_FILE = "equity.csv"
JSON_FILE = "walkforward.json"
REPORT_FILE = "report.md"
HTML_FILE = "walkforward.html"
HEADER = (
    "window",
    "train_first",
    "train_last",
    "test_first",
    "test_last",
    "params",
    "trials",
    "is_metric",
    "oos_metric",
    "oos_is_ratio",
    "is_sharpe",
    "oos_sharpe",
    "oos_return",
)


def _params(params: dict[str, Any] | None) -> str:
    return "" if params is None else ";".join(f"{k}={v}" for k, v in params.items())


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def window_row(w: WindowResult) -> dict[str, Any]:
    return {
        "window": w.number,
        "train_first": w.train_days[0].isoformat(),
        "train_last": w.train_days[1].isoformat(),
        "test_first": w.test_days[0].isoformat(),
        "test_last": w.test_days[1].isoformat(),
        "params": _params(w.params),
        "trials": w.trials,
        "is_metric": w.is_metric,
        "oos_metric": w.oos_metric,
        "oos_is_ratio": w.ratio,
        "is_sharpe": w.is_sharpe,
        "oos_sharpe": w.oos_sharpe,
        "oos_return": w.oos_return,
    }


def windows_csv(outcome: WalkForwardOutcome) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for w in outcome.windows:
        row = window_row(w)
        writer.writerow([_cell(row[c]) for c in HEADER])
    return buffer.getvalue()


def equity_csv(outcome: WalkForwardOutcome) -> str:
    lines = ["timestamp,equity"]
    for ns, value in zip(
        outcome.timestamps_ns.tolist(), outcome.equity.tolist(), strict=True
    ):
        lines.append(f"{from_ns(int(ns)).isoformat()},{value!r}")
    return "\n".join(lines) + "\n"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def summary_of(outcome: WalkForwardOutcome) -> dict[str, Any]:
    """``walkforward.json``: the plan, the degradation and the stitched curve."""
    equity = outcome.equity
    total = float(equity[-1] / equity[0] - 1.0) if len(equity) else math.nan
    ratios = [w.ratio for w in outcome.windows if math.isfinite(w.ratio)]
    return {
        "metric": outcome.settings.metric,
        "train_sessions": outcome.plan.train,
        "test_sessions": outcome.plan.test,
        "embargo_sessions": outcome.plan.embargo,
        "anchored": outcome.plan.anchored,
        "windows": len(outcome.windows),
        "mean_oos_is_ratio": _finite(outcome.mean_ratio),
        "median_oos_is_ratio": _finite(float(np.median(ratios))) if ratios else None,
        "mean_is_metric": _finite(_mean([w.is_metric for w in outcome.windows])),
        "mean_oos_metric": _finite(_mean([w.oos_metric for w in outcome.windows])),
        "stitched_return": _finite(total),
        "stitched_sharpe": _finite(stitched_sharpe(outcome)),
        "stitched_max_drawdown": _finite(max_drawdown(equity)) if len(equity) else None,
        "strategy": str(outcome.settings.strategy),
        "grid": outcome.settings.grid.as_dict(),
    }


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def report_markdown(outcome: WalkForwardOutcome) -> str:
    """In-sample vs out-of-sample per window, and the degradation."""
    s = summary_of(outcome)
    metric = s["metric"]
    lines = [
        f"# Walk-forward: {s['strategy']}",
        "",
        f"Train {s['train_sessions']} sessions, test {s['test_sessions']}, embargo "
        f"{s['embargo_sessions']} ({'anchored' if s['anchored'] else 'rolling'}); "
        f"each train window sweeps {s['grid']} and picks the best by {metric}.",
        "",
        f"**Degradation** (out-of-sample / in-sample {metric}): mean "
        f"{_fmt(s['mean_oos_is_ratio'])}, median {_fmt(s['median_oos_is_ratio'])} "
        f"(1 = no degradation; mean IS {_fmt(s['mean_is_metric'])}, mean OOS "
        f"{_fmt(s['mean_oos_metric'])}).",
        "",
        f"**Stitched out-of-sample equity**: return {_fmt(s['stitched_return'])}, "
        f"Sharpe {_fmt(s['stitched_sharpe'])}, max drawdown "
        f"{_fmt(s['stitched_max_drawdown'])}.",
        "",
        f"| window | train | test | chosen | IS {metric} | OOS {metric} | OOS/IS |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    for w in outcome.windows:
        lines.append(
            f"| {w.number} | {w.train_days[0]}..{w.train_days[1]} | "
            f"{w.test_days[0]}..{w.test_days[1]} | {_params(w.params) or 'none'} | "
            f"{_fmt(w.is_metric)} | {_fmt(w.oos_metric)} | {_fmt(w.ratio)} |"
        )
    return "\n".join(lines) + "\n"


def report_html(outcome: WalkForwardOutcome) -> str:
    """The report as a page: the markdown's words and table, and two charts."""
    from html import escape

    try:
        import plotly.graph_objects as go
        from plotly.offline import get_plotlyjs
    except ImportError:  # the 'plots' extra
        return (
            "<!DOCTYPE html><html><body><pre>"
            + escape(report_markdown(outcome))
            + "</pre><p>charts need plotly: pip install 'tradecore[plots]'</p>"
            "</body></html>\n"
        )
    metric = outcome.settings.metric
    labels = [str(w.number) for w in outcome.windows]
    bars = go.Figure(
        [
            go.Bar(name=f"in-sample {metric}", x=labels,
                   y=[_finite(w.is_metric) for w in outcome.windows]),
            go.Bar(name=f"out-of-sample {metric}", x=labels,
                   y=[_finite(w.oos_metric) for w in outcome.windows]),
        ]
    )  # fmt: skip
    bars.update_layout(
        barmode="group", title=f"{metric} per window", xaxis_title="window"
    )
    stamps = [from_ns(int(ns)).isoformat() for ns in outcome.timestamps_ns.tolist()]
    curve = go.Figure(go.Scatter(x=stamps, y=outcome.equity.tolist(), mode="lines"))
    curve.update_layout(title="Stitched out-of-sample equity")
    charts = "".join(
        figure.to_html(full_html=False, include_plotlyjs=False, div_id=name)
        for name, figure in (("wf-windows", bars), ("wf-equity", curve))
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in line) + "</tr>"
        for line in _table_cells(outcome)
    )
    words = "".join(
        f"<p>{escape(line)}</p>"
        for line in report_markdown(outcome).splitlines()[2:7]
        if line
    )
    head = "".join(f"<th>{h}</th>" for h in _TABLE_HEAD)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Walk-forward: {escape(str(outcome.settings.strategy))}</title>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<h1>Walk-forward: {escape(str(outcome.settings.strategy))}</h1>{words}"
        f"{charts}<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        "</body></html>\n"
    )


_TABLE_HEAD = ("window", "train", "test", "chosen", "IS", "OOS", "OOS/IS")


def _table_cells(outcome: WalkForwardOutcome) -> list[list[str]]:
    return [
        [
            str(w.number),
            f"{w.train_days[0]}..{w.train_days[1]}",
            f"{w.test_days[0]}..{w.test_days[1]}",
            _params(w.params) or "none",
            _fmt(w.is_metric),
            _fmt(w.oos_metric),
            _fmt(w.ratio),
        ]
        for w in outcome.windows
    ]


def write_outputs(outcome: WalkForwardOutcome, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / CSV_FILE).write_text(windows_csv(outcome))
    (out / EQUITY_FILE).write_text(equity_csv(outcome))
    (out / JSON_FILE).write_text(
        json.dumps(summary_of(outcome), indent=2, sort_keys=True) + "\n"
    )
    (out / REPORT_FILE).write_text(report_markdown(outcome))
    (out / HTML_FILE).write_text(report_html(outcome))
