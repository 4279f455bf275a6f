"""What a sweep writes: ``sweep.csv`` (one row per combination, grid order),
``sweep.json`` (the best combination and the deflated Sharpe ratio of choosing it)
and ``heatmap.html`` (the metric over two parameters, the others at their best).

The CSV is written from the records alone (no timings, no paths, floats as
``repr``), so the same sweep writes the same bytes whichever executor ran it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tradecore.apps.replay.sweep_run import METRICS, SweepOutcome, metric_value
from tradecore.domain.errors import ConfigurationError

CSV_FILE = "sweep.csv"
JSON_FILE = "sweep.json"
HEATMAP_FILE = "heatmap.html"
#: The table's columns after the index and the parameters.
COLUMNS = (
    "status",
    "metric",
    "sharpe",
    "sharpe_per_period",
    "trades",
    "fills",
    "final_equity",
    "max_drawdown",
    "turnover",
    "reason",
)


def table_rows(outcome: SweepOutcome) -> list[dict[str, Any]]:
    """One dict per combination, in grid order: the CSV's and the DataFrame's rows."""
    names = outcome.settings.grid.names
    rows = []
    for record in outcome.records:
        metrics: Mapping[str, Any] = record.get("metrics", {})

        def value(key: str, metrics: Mapping[str, Any] = metrics) -> Any:
            return metrics.get(key, math.nan)

        row: dict[str, Any] = {"index": record["index"]}
        row.update({n: record["params"][n] for n in names})
        row.update(
            status=record["status"],
            metric=metric_value(record, outcome.settings.metric),
            sharpe=value("sharpe"),
            sharpe_per_period=value("sharpe_per_period"),
            trades=value("round_trips"),
            fills=value("fills"),
            final_equity=value("final_equity"),
            max_drawdown=value("max_drawdown"),
            turnover=value("turnover"),
            reason=record.get("reason", ""),
        )
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def table_csv(outcome: SweepOutcome) -> str:
    """The table as CSV text (header, then one line per combination)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["index", *outcome.settings.grid.names, *COLUMNS]
    writer.writerow(header)
    for row in table_rows(outcome):
        writer.writerow([_cell(row[c]) for c in header])
    return buffer.getvalue()


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def summary_of(outcome: SweepOutcome) -> dict[str, Any]:
    """``sweep.json``: the trials, the best combination and the DSR verdict."""
    statuses = [r["status"] for r in outcome.records]
    best = outcome.best
    verdict = outcome.verdict
    summary: dict[str, Any] = _json_value(
        {
            "metric": outcome.settings.metric,
            "higher_is_better": METRICS[outcome.settings.metric],
            "combinations": len(outcome.records),
            "n_trials": verdict.n_trials,
            "invalid": statuses.count("invalid"),
            "errors": statuses.count("error"),
            "best": None
            if best is None
            else {
                "index": best["index"],
                "params": best["params"],
                "metric": metric_value(best, outcome.settings.metric),
                "sharpe": best["metrics"]["sharpe"],
                "sharpe_per_period": best["metrics"]["sharpe_per_period"],
                "n_obs": best["metrics"]["n_obs"],
                "skew": best["metrics"]["skew"],
                "kurtosis": best["metrics"]["kurtosis"],
            },
            "trials_sr_variance": verdict.trials_sr_variance,
            "expected_max_sharpe": verdict.expected_max_sharpe,
            "deflated_sharpe": verdict.deflated_sharpe,
            "verdict": verdict.verdict,
            "fingerprint": outcome.fingerprint,
            "grid": {k: list(v) for k, v in outcome.settings.grid.as_dict().items()},
            "strategy": str(outcome.settings.strategy),
            "fill_model": outcome.settings.fill_model,
            "seed": outcome.settings.seed,
        }
    )
    return summary


def heatmap_axes(names: Sequence[str], chosen: str | None) -> tuple[str, str | None]:
    """The two parameters of the heatmap: ``x,y`` as asked, else the first two.

    Raises:
        ConfigurationError: a name that is not a grid parameter, or not two names.
    """
    if chosen is None:
        return names[0], names[1] if len(names) > 1 else None
    parts = [p.strip() for p in chosen.split(",")]
    if len(parts) != 2 or parts[0] == parts[1]:
        raise ConfigurationError(f"--heatmap {chosen!r}: give two parameters, x,y")
    unknown = [p for p in parts if p not in names]
    if unknown:
        raise ConfigurationError(
            f"--heatmap: {', '.join(unknown)} is not swept; swept: {', '.join(names)}"
        )
    return parts[0], parts[1]


def heatmap_html(outcome: SweepOutcome, x: str, y: str | None) -> str:
    """:func:`heatmap_figure` as a page of its own."""
    figure = heatmap_figure(outcome, x, y)
    # Self-contained (plotly.js inside: no network to view it) and the same bytes
    # for the same sweep (plotly would name the div with a random uuid).
    return str(
        figure.to_html(include_plotlyjs=True, full_html=True, div_id="sweep-heatmap")
    )


def heatmap_figure(outcome: SweepOutcome, x: str, y: str | None) -> Any:
    """The metric over ``x`` and ``y`` (the other parameters at the best's values),
    a plotly Figure."""
    import plotly.graph_objects as go

    grid = outcome.settings.grid.as_dict()
    best = outcome.best["params"] if outcome.best else {}
    ys: Sequence[Any] = grid[y] if y else [""]
    cells: dict[tuple[Any, Any], float] = {}
    for record in outcome.records:
        params = record["params"]
        others = [n for n in grid if n not in (x, y)]
        if best and any(params[n] != best[n] for n in others):
            continue
        cells[(params[x], params[y] if y else "")] = metric_value(
            record, outcome.settings.metric
        )
    z = [
        [
            None if math.isnan(v := cells.get((xv, yv), math.nan)) else v
            for xv in grid[x]
        ]
        for yv in ys
    ]
    fixed = ", ".join(f"{n}={best[n]}" for n in grid if n not in (x, y) and best)
    title = f"{outcome.settings.metric} by {x}" + (f" and {y}" if y else "")
    figure = go.Figure(
        go.Heatmap(
            x=[str(v) for v in grid[x]],
            y=[str(v) for v in ys],
            z=z,
            colorbar={"title": outcome.settings.metric},
        )
    )
    figure.update_layout(
        title=title + (f" ({fixed})" if fixed else ""),
        xaxis_title=x,
        yaxis_title=y or "",
    )
    return figure


def write_outputs(outcome: SweepOutcome, out: Path, heatmap: str | None = None) -> None:
    """Write ``sweep.csv``, ``sweep.json`` and (with plotly) ``heatmap.html``."""
    x, y = heatmap_axes(outcome.settings.grid.names, heatmap)
    out.mkdir(parents=True, exist_ok=True)
    (out / CSV_FILE).write_text(table_csv(outcome))
    (out / JSON_FILE).write_text(
        json.dumps(summary_of(outcome), indent=2, sort_keys=True) + "\n"
    )
    try:
        page = heatmap_html(outcome, x, y)
    except ImportError:  # plotly is the 'plots' extra
        page = "<p>heatmap.html needs plotly: pip install 'tradecore[plots]'</p>\n"
    (out / HEATMAP_FILE).write_text(page)
