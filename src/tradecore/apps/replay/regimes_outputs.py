"""``tradecore-replay regimes``'s files: the regime of every bar, the transition
matrix and persistence, every refit's parameters, and an offline page.

``regimes.csv``: timestamp, symbol, close, state (-1 before the first fit), the
filtered probability of each state, and the fit in use. ``transitions.csv``: per
series, every (from, to) pair with its bar-to-bar count, the empirical probability
and the last fit's transition probability. ``persistence.csv``: per series and
state, bars, share of time, spells, the mean spell length and the last fit's
expected duration. ``params.json``: the configuration and every fit (hashed into
``manifest.json``). ``regimes.html``: prices with the high-volatility probability
under them, and the two tables (Plotly inlined: it opens offline).
"""

from __future__ import annotations

import csv
import io
import json
import math
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from tradecore.adapters.report.downsample import minmax_indices
from tradecore.apps.replay.regimes_run import RegimeStudy, SeriesRegimes
from tradecore.domain.market.bar_frame import from_ns

REGIMES_FILE = "regimes.csv"
TRANSITIONS_FILE = "transitions.csv"
PERSISTENCE_FILE = "persistence.csv"
PARAMS_FILE = "params.json"
HTML_FILE = "regimes.html"
#: Points per chart line (min/max kept per bucket: the page stays small).
CHART_POINTS = 4000


def _number(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6g}"


def regimes_csv(study: RegimeStudy) -> str:
    """Every bar of every series with its filtered regime."""
    k = study.config.states
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["timestamp", "symbol", "close", "state", *[f"p{s}" for s in range(k)], "fit"]
    )
    for series in study.series:
        fit_at = [f.at_ns for f in series.fits]
        fit = -1
        states = series.states.tolist()
        for i, ts in enumerate(series.timestamps.tolist()):
            while fit + 1 < len(fit_at) and fit_at[fit + 1] <= ts:
                fit += 1
            probs = series.probabilities[i].tolist()
            writer.writerow(
                [
                    from_ns(ts).isoformat(),
                    series.symbol,
                    _number(float(series.closes[i])),
                    states[i],
                    *[_number(p) for p in probs],
                    fit if states[i] >= 0 else "",
                ]
            )
    return out.getvalue()


def transition_rows(series: SeriesRegimes) -> list[list[str]]:
    """(from, to, count, empirical, fitted) for every pair of states."""
    s = series.summary
    empirical = s.transition_probabilities
    fitted = series.fits[-1].params.transmat if series.fits else None
    k = len(s.bars)
    return [
        [
            str(i),
            str(j),
            str(int(s.transitions[i, j])),
            _number(float(empirical[i, j])),
            "" if fitted is None else _number(fitted[i][j]),
        ]
        for i in range(k)
        for j in range(k)
    ]


def persistence_rows(series: SeriesRegimes) -> list[list[str]]:
    """(state, bars, share, spells, mean spell, fitted expected duration)."""
    s = series.summary
    durations = series.fits[-1].params.expected_durations() if series.fits else None
    return [
        [
            str(k),
            str(int(s.bars[k])),
            _number(float(s.share[k])),
            str(int(s.spells[k])),
            _number(float(s.mean_spell[k])),
            "" if durations is None else _number(durations[k]),
        ]
        for k in range(len(s.bars))
    ]


TRANSITION_HEAD = ("from_state", "to_state", "count", "empirical", "fitted")
PERSISTENCE_HEAD = (
    "state",
    "bars",
    "share",
    "spells",
    "mean_spell_bars",
    "fitted_duration_bars",
)


def _table_csv(study: RegimeStudy, head: tuple[str, ...], rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["symbol", *head])
    for series in study.series:
        writer.writerows([series.symbol, *row] for row in rows(series))
    return out.getvalue()


def params_document(study: RegimeStudy) -> dict[str, object]:
    """The configuration and every refit of every series."""
    return {
        "format": "tradecore.regimes/1",
        "config": study.config.describe(),
        "fitter": study.fitter,
        "series": {s.symbol: [f.to_dict() for f in s.fits] for s in study.series},
    }


def params_bytes(study: RegimeStudy) -> bytes:
    """``params.json``'s bytes (sorted keys: one spelling, one hash)."""
    text = json.dumps(params_document(study), indent=2, sort_keys=True) + "\n"
    return text.encode()


def regimes_html(study: RegimeStudy) -> str:
    """The page: a chart per series and its tables (Plotly inlined)."""
    try:
        import plotly.graph_objects as go
        from plotly.offline import get_plotlyjs
        from plotly.subplots import make_subplots
    except ImportError:  # the 'plots' extra
        return (
            "<!DOCTYPE html><html><body><pre>"
            + escape(_table_csv(study, PERSISTENCE_HEAD, persistence_rows))
            + "</pre><p>charts need plotly: pip install 'tradecore[plots]'</p>"
            "</body></html>\n"
        )
    parts = []
    for n, series in enumerate(study.series):
        high = series.probabilities[:, -1]
        keep = np.union1d(
            minmax_indices(series.closes, CHART_POINTS),
            minmax_indices(np.nan_to_num(high, nan=0.0), CHART_POINTS),
        )
        stamps = [from_ns(t).isoformat() for t in series.timestamps[keep].tolist()]
        closes, high = series.closes[keep], high[keep]
        figure = make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35]
        )
        figure.add_trace(
            go.Scatter(x=stamps, y=closes.tolist(), name="close", mode="lines"),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=stamps,
                y=[None if math.isnan(p) else p for p in high.tolist()],
                name="P(high volatility)",
                mode="lines",
                fill="tozeroy",
            ),
            row=2,
            col=1,
        )
        figure.update_layout(title=f"{series.symbol}: filtered regime", height=520)
        figure.update_yaxes(range=[0, 1], row=2, col=1)
        parts.append(
            figure.to_html(
                full_html=False, include_plotlyjs=False, div_id=f"regimes-{n}"
            )
        )
        parts.append(
            _html_table("Persistence", PERSISTENCE_HEAD, persistence_rows(series))
        )
        parts.append(
            _html_table("Transitions", TRANSITION_HEAD, transition_rows(series))
        )
    c = study.config
    words = (
        f"{c.states} states over (log return, log realised volatility of {c.vol_window} "
        f"bars); refit {c.refit}, {'expanding' if not c.window else f'rolling {c.window}-bar'} "
        f"window, first fit after {c.min_history} observations; {escape(study.fitter)}, "
        f"seed {c.seed}. State 0 is the calmest. Probabilities are filtered: each uses "
        "only the bars up to it."
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Regimes</title><script>{get_plotlyjs()}</script></head><body>"
        f"<h1>Regimes</h1><p>{words}</p>{''.join(parts)}</body></html>\n"
    )


def _html_table(title: str, head: tuple[str, ...], rows: list[list[str]]) -> str:
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<h3>{title}</h3><table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def write_outputs(study: RegimeStudy, out: Path) -> Path:
    """Write every file into ``out``; return the params file."""
    out.mkdir(parents=True, exist_ok=True)
    (out / REGIMES_FILE).write_text(regimes_csv(study))
    (out / TRANSITIONS_FILE).write_text(
        _table_csv(study, TRANSITION_HEAD, transition_rows)
    )
    (out / PERSISTENCE_FILE).write_text(
        _table_csv(study, PERSISTENCE_HEAD, persistence_rows)
    )
    params = out / PARAMS_FILE
    params.write_bytes(params_bytes(study))
    (out / HTML_FILE).write_text(regimes_html(study))
    return params
