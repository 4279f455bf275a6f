"""Render the self-contained interactive ``report.html``.

Everything is inline: the CSS (``_style.css``), ``plotly.js`` (once, from the
installed plotly package) and each chart's spec as JSON in the page, so the file
opens offline, can be mailed or archived, and never fetches anything. Chart ids are
fixed names (``chart-equity``), never random: two identical runs write
byte-identical pages. Without plotly installed the page keeps every table and says
how to get the interactive charts (the equity and drawdown are then drawn as
static inline SVG, :mod:`.svg`).

Sections (each an element id, which the browser test checks): ``equity``,
``drawdown``, ``drawdown-periods``, ``prices``, ``calendar-returns``, ``rolling``,
``distribution``, ``symbol-pnl``, ``exposure``, ``trades``, ``statistics``,
``activity``, ``costs`` (net-of-cost runs), ``fills``, ``provenance``, ``all-fields``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC
from decimal import Decimal
from importlib import resources
from pathlib import Path

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report import formatting as fmt
from tradecore.adapters.report.analysis import utc
from tradecore.adapters.report.content import (
    PROVENANCE,
    STATISTICS,
    ReportContent,
    build_content,
    drawdown_of,
)
from tradecore.adapters.report.cost_section import cost_sections
from tradecore.adapters.report.downsample import minmax_indices
from tradecore.adapters.report.escaping import escape
from tradecore.adapters.report.regime_section import regime_section
from tradecore.adapters.report.story import story_html
from tradecore.adapters.report.svg import ChartStyle, time_series_svg
from tradecore.adapters.report.tables import (
    CountedColumns,
    RawColumns,
    columns_of,
    format_cell,
)
from tradecore.adapters.report.trade_list import TRADE_ROWS
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.market.bar_frame import BarFrame

Rows = Sequence[Mapping[str, object]]
BLOTTER_ROWS = 50
_RUN_TIMINGS = frozenset({"run.seconds", "run.bars_per_second", "run.elapsed_s"})
PLOTS_MISSING = "Charts need plotly: pip install 'tradecore[plots]'."

# (statistic, card label, format kind)
_KPIS = [
    ("total_return", "Total return", "signed_percent"),
    ("cagr", "CAGR", "signed_percent"),
    ("sharpe", "Sharpe (ann.)", "ratio"),
    ("sharpe_daily", "Sharpe (daily returns)", "ratio"),
    ("max_drawdown", "Max drawdown", "drawdown"),
    ("annualized_volatility", "Volatility (ann.)", "percent"),
    ("win_rate", "Win rate", "percent"),
    ("turnover", "Turnover", "times"),
    ("final_equity", "Final equity", "compact_money"),
    ("end_equity", "Final equity", "compact_money"),
    ("orders_expired", "Orders expired unfilled", "count"),
    ("refusals", "Decisions refused (risk, degradation)", "count"),
    ("breaker_trips", "Circuit-breaker trips", "count"),
]
_RENDER = (
    "(function(){var specs=document.querySelectorAll('script.tc-chart');var done=[];"
    "for(var i=0;i<specs.length;i++){var s=specs[i];var f=JSON.parse(s.textContent);"
    "done.push(Plotly.newPlot(s.getAttribute('data-target'),f.data,f.layout,"
    "{responsive:true,displaylogo:false}));}"
    "Promise.all(done).then(function(){document.body.setAttribute("
    "'data-charts-rendered',String(done.length));});})();"
)


@attrs.frozen(kw_only=True)
class PageData:
    """Everything the page shows: the whole equity curve (charts downsample it)."""

    title: str
    summary: Mapping[str, object]
    stamps: NDArray[np.int64]
    values: NDArray[np.float64]
    fills: Rows
    decisions: Rows
    outcomes: Rows
    run_info: Mapping[str, object]
    #: The bars replayed: benchmark, price charts, MAE/MFE.
    bars: Sequence[BarFrame] = ()
    #: The orders' cost analyses (net-of-cost replays): cost charts, explanations.
    tca: Sequence[ExecutionAnalysis] = ()
    max_points: int = 2000
    #: What ran on what (``story.story_html``): strategy, its doc, the data.
    about: Mapping[str, str] = attrs.field(factory=dict)


#: Where plotly keeps the bundle ``plotly.offline.get_plotlyjs`` returns.
PLOTLY_BUNDLE = ("package_data", "plotly.min.js")


def plotly_bundle() -> bytes | None:
    """The plotly.js bundle of the installed plotly package, as UTF-8 bytes (None:
    not installed).

    Read from the package's folder, found without importing plotly: importing
    ``plotly.offline`` for ``get_plotlyjs`` cost a replay about 0.03 s for one file
    read. Where the file is not (another plotly layout), ``get_plotlyjs`` answers;
    a test holds the two equal. Bytes, because :func:`write_page` writes them as
    they are: the bundle is not all ASCII, so decoding its 4.8 MB and encoding
    them again cost a replay's report about a twentieth of its instructions.
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or ():
        bundle = Path(folder).joinpath(*PLOTLY_BUNDLE)
        if bundle.is_file():
            return bundle.read_bytes()
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:
        return None
    return str(get_plotlyjs()).encode("utf-8")


def plotly_js() -> str | None:
    """:func:`plotly_bundle` as text (None: plotly is not installed)."""
    bundle = plotly_bundle()
    return None if bundle is None else bundle.decode("utf-8")


def render_page(data: PageData, content: ReportContent | None = None) -> str:
    """Return the complete HTML document."""
    return "".join(page_parts(data, content))


def write_page(
    path: Path, data: PageData, content: ReportContent | None = None
) -> None:
    """Write :func:`render_page`'s document to ``path`` a part at a time.

    The page embeds plotly.js and every chart's data (megabytes): joining them into
    one string, then encoding it, would hold the page two or three times over. The
    text parts are encoded as a UTF-8 text file writes them (no line ending is
    translated where lines end in ``\\n``); the bundle goes out as the bytes read.
    """
    if os.linesep != "\n":  # a text file would translate the line endings
        with path.open("w", encoding="utf-8") as stream:
            stream.writelines(page_parts(data, content))
        return
    with path.open("wb") as stream:
        stream.writelines(
            part if isinstance(part, bytes) else part.encode("utf-8")
            for part in _page_pieces(data, content)
        )


def page_parts(data: PageData, content: ReportContent | None = None) -> Iterator[str]:
    """The HTML document, in pieces that join into it."""
    for part in _page_pieces(data, content):
        yield part.decode("utf-8") if isinstance(part, bytes) else part


def _page_pieces(
    data: PageData, content: ReportContent | None = None
) -> Iterator[str | bytes]:
    """:func:`page_parts`, with the plotly bundle as the bytes read (UTF-8)."""
    content = content or build_content(
        data.summary,
        data.stamps,
        data.values,
        data.fills,
        data.bars,
        max_points=data.max_points,
    )
    css = resources.files(__package__).joinpath("_style.css").read_text("utf-8")
    script = plotly_bundle()
    charts = content.charts if script is not None else {}
    stats = content.statistics
    body = [
        _header(data),
        "<main>",
        "" if script is not None else f'<p class="notice">{PLOTS_MISSING}</p>',
        _kpi_cards(stats),
        story_html(stats, data.about),
        _chart("equity", "Equity", charts, "No equity curve.")
        if script is not None
        else _static_chart("equity", "Equity", data.stamps, data.values, data),
        _chart("drawdown", "Drawdown", charts, "No equity curve.")
        if script is not None
        else _static_chart(
            "drawdown", "Drawdown", data.stamps, drawdown_of(data.values), data
        ),
        _drawdown_table(content, data.values),
        _prices(content, charts),
        _chart(
            "calendar-returns", "Monthly and yearly returns", charts, "Not enough data."
        ),
        _chart(
            "rolling",
            "Rolling Sharpe and volatility",
            charts,
            "Too few days for a rolling window.",
        ),
        _chart("distribution", "Returns distribution", charts, "No daily returns."),
        _chart("symbol-pnl", "P&L per symbol", charts, "No round trips."),
        _chart("exposure", "Exposure", charts, "No fills."),
        _trades(content),
        _statistics(stats),
        _activity_section(data.decisions, data.outcomes, len(data.fills)),
        _costs(data),
        regime_section(data.decisions, data.fills, data.tca),
        _blotter(data.fills),
        _provenance(stats, data.run_info),
        _all_fields(data.summary),
        "</main>",
        "<footer>Generated by tradecore. Files in this folder: summary.json, "
        "run.json, equity.csv, trades.csv, fills.csv, decisions.csv, outcomes.csv."
        "</footer>",
    ]
    yield (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(data.title)}</title><style>{css}</style></head><body>"
    )
    yield from body
    if script is not None:
        yield "<script>"
        yield script
        yield "</script>"
        yield from (_spec_script(name, spec) for name, spec in charts.items())
        yield f"<script>{_RENDER}</script>"
    yield "</body></html>\n"


def _spec_script(name: str, spec: Mapping[str, object]) -> str:
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), allow_nan=False)
    safe = text.replace("</", "<\\/")  # no "</script>" inside the JSON
    return (
        f'<script type="application/json" class="tc-chart" '
        f'data-target="chart-{escape(name)}">{safe}</script>'
    )


def flatten(mapping: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Flatten nested mappings into dotted keys, in sorted order."""
    flat: dict[str, object] = {}
    for key in sorted(mapping, key=str):
        value = mapping[key]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _header(data: PageData) -> str:
    facts = [f"{len(data.values):,} equity points"]
    if len(data.stamps):
        first, last = (utc(int(data.stamps[i])) for i in (0, -1))
        facts.insert(0, f"{first:%Y-%m-%d %H:%M} \u2192 {last:%Y-%m-%d %H:%M} UTC")
    facts.append(f"{len(data.fills):,} fills")
    subtitle = escape(" \u00b7 ".join(facts))
    return f"<header><h1>{escape(data.title)}</h1><p>{subtitle}</p></header>"


def _format(value: object, how: str) -> str:
    if how == "drawdown":
        number = fmt.as_number(value)
        return fmt.MISSING if number is None else fmt.percent(-abs(number))
    if how == "compact_money":
        return fmt.compact_money(value)
    return fmt.FORMATS[how](value)


def _tone(value: object, how: str) -> str:
    number = fmt.as_number(value)
    if number is None or number == 0:
        return ""
    if how in ("drawdown", "count"):
        return "neg"
    if how in ("signed_percent", "ratio"):
        return "pos" if number > 0 else "neg"
    return ""


def _kpi_cards(stats: Mapping[str, object]) -> str:
    cards, labels = [], set()
    for key, label, how in _KPIS:
        if key in stats and label not in labels:
            labels.add(label)
            value = stats[key]
            cards.append(
                f'<div class="kpi"><div class="label">{label}</div>'
                f'<div class="value {_tone(value, how)}">{_format(value, how)}</div>'
                "</div>"
            )
    return f'<div class="kpis">{"".join(cards)}</div>' if cards else ""


def _section(section_id: str, title: str, inner: str, note: str = "") -> str:
    small = f"<small>{escape(note)}</small>" if note else ""
    return f'<section id="{section_id}"><h2>{title}{small}</h2>{inner}</section>'


def _chart(
    name: str, title: str, charts: Mapping[str, object], empty: str, note: str = ""
) -> str:
    if name not in charts:
        return _section(name, title, f'<p class="empty">{escape(empty)}</p>', note)
    return _section(name, title, f'<div class="plot" id="chart-{name}"></div>', note)


def _static_chart(
    name: str,
    title: str,
    stamps: NDArray[np.int64],
    values: NDArray[np.float64],
    data: PageData,
) -> str:
    """The pre-Plotly inline SVG chart: the equity and drawdown without plotly."""
    keep = minmax_indices(values, data.max_points)
    kind = "area" if name == "drawdown" else "line"
    style = ChartStyle(chart_id=name, title=title, kind=kind, percent=kind == "area")
    svg = time_series_svg(stamps[keep], values[keep], style)
    return _section(name, title, svg, f"{len(keep):,} plotted points, UTC")


def _prices(content: ReportContent, charts: Mapping[str, object]) -> str:
    names = [n for n in charts if n.startswith("price-")]
    note = "UTC; long series downsampled (min/max per bucket), as each title says"
    if content.price_symbols < content.symbols_total:
        note += f"; first {content.price_symbols} of {content.symbols_total} symbols"
    inner = (
        "".join(f'<div class="plot" id="chart-{escape(n)}"></div>' for n in names)
        or '<p class="empty">No bars given to the report.</p>'
    )
    return _section("prices", "Prices with entries and exits", inner, note)


def _table(head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f'<th class="{"num" if n else ""}">{escape(h)}</th>' for h, n in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if n else ""}">{escape(cell)}</td>'
            for (_, n), cell in zip(head, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<div class='scroll'><table><thead><tr>{th}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _drawdown_table(content: ReportContent, values: NDArray[np.float64]) -> str:
    stamps = content.stamps
    rows = []
    for p in content.drawdowns:
        end = p.recovery if p.recovery is not None else len(values) - 1
        rows.append(
            [
                f"{utc(int(stamps[p.peak])):%Y-%m-%d %H:%M}",
                f"{utc(int(stamps[p.trough])):%Y-%m-%d %H:%M}",
                "not recovered"
                if p.recovery is None
                else f"{utc(int(stamps[p.recovery])):%Y-%m-%d %H:%M}",
                fmt.percent(p.depth),
                fmt.duration((int(stamps[end]) - int(stamps[p.peak])) / 1e9),
            ]
        )
    if not rows:
        return _section(
            "drawdown-periods",
            "Top drawdown periods",
            '<p class="empty">Never below a previous peak.</p>',
        )
    head = [
        ("Peak", False),
        ("Trough", False),
        ("Recovered", False),
        ("Depth", True),
        ("Length", True),
    ]
    return _section(
        "drawdown-periods",
        "Top drawdown periods",
        _table(head, rows),
        f"deepest {len(rows)}, UTC",
    )


def _trades(content: ReportContent) -> str:
    total = content.trades.count
    if not total:
        return _section("trades", "Round trips", '<p class="empty">No round trips.</p>')
    shown = content.trades.head[:TRADE_ROWS]
    rows = [
        [
            t.trip.symbol,
            "long" if t.trip.direction > 0 else "short",
            format_cell(t.trip.qty),
            f"{t.trip.opened_at.astimezone(UTC):%Y-%m-%d %H:%M}",
            fmt.price(t.trip.entry_price),
            f"{t.trip.closed_at.astimezone(UTC):%Y-%m-%d %H:%M}",
            fmt.price(t.trip.exit_price),
            fmt.money(t.trip.pnl, signed=True),
            fmt.percent(t.ret, signed=True),
            fmt.duration(t.duration),
            fmt.percent(t.mae),
            fmt.percent(t.mfe, signed=True),
        ]
        for t in shown
    ]
    head = [
        ("Symbol", False),
        ("Side", False),
        ("Qty", True),
        ("Entry (UTC)", False),
        ("Entry price", True),
        ("Exit (UTC)", False),
        ("Exit price", True),
        ("P&L", True),
        ("Return", True),
        ("Duration", True),
        ("MAE", True),
        ("MFE", True),
    ]
    note = "FIFO round trips; P&L net of fees; MAE/MFE from the bars while open"
    if len(shown) < total:
        note += f"; first {len(shown):,} of {total:,}, all in trades.csv"
    return _section("trades", "Round trips", _table(head, rows), note)


def _statistics(stats: Mapping[str, object]) -> str:
    rows = []
    for key, label, how in STATISTICS:
        if key not in stats:
            continue
        text = _format(stats[key], how)
        if key == "dsr" and stats.get("dsr_trials") == 1:
            label += " (1 trial: equals PSR; a sweep deflates it)"
        rows.append(f'<tr><th>{escape(label)}</th><td class="num">{text}</td></tr>')
    inner = f"<table><tbody>{''.join(rows)}</tbody></table>"
    return _section("statistics", "Statistics", inner)


def _costs(data: PageData) -> str:
    if not data.tca:
        return ""
    return f'<div id="costs">{cost_sections(data.tca, data.decisions, data.outcomes)}</div>'


def display(value: object) -> str:
    """Spell a value for a person: grouped digits, trimmed floats, ISO UTC times."""
    if isinstance(value, float) and math.isfinite(value):
        if abs(value) >= 1e4:
            return fmt.money(value)
        return f"{value:.6g}".replace("-", "\u2212")
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.count(value)
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value)
    return format_cell(value) or fmt.MISSING


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _key_values(flat: Mapping[str, object]) -> str:
    rows = "".join(
        f'<tr><th>{escape(key)}</th><td class="{"num" if _is_number(value) else ""}">'
        f"{escape(display(value))}</td></tr>"
        for key, value in flat.items()
    )
    return f"<table><tbody>{rows}</tbody></table>"


def _provenance(stats: Mapping[str, object], run_info: Mapping[str, object]) -> str:
    ids = {key: stats[key] for key in PROVENANCE if key in stats}
    # Timings differ between identical runs: they stay in run.json, so identical runs
    # give byte-identical pages.
    run = {k: v for k, v in flatten(run_info, "run.").items() if k not in _RUN_TIMINGS}
    if not ids and not run:
        inner = '<p class="empty">Nothing recorded.</p>'
    else:
        inner = _key_values({**ids, **run})
    note = "what identifies this run: hashes, models, config (timings: run.json)"
    return _section("provenance", "Provenance", inner, note)


def _all_fields(summary: Mapping[str, object]) -> str:
    flat = flatten(summary)
    inner = (
        f"<details><summary>{len(flat):,} fields of summary.json</summary>"
        f"{_key_values(flat)}</details>"
        if flat
        else '<p class="empty">Nothing recorded.</p>'
    )
    return _section("all-fields", "Summary (every field)", inner)


def _activity_section(decisions: Rows, outcomes: Rows, fills: int) -> str:
    counts = [
        ("Decisions", len(decisions)),
        ("Outcomes", len(outcomes)),
        ("Fills", fills),
    ]
    rows = [f"<tr><th>{name}</th><td class='num'>{n:,}</td></tr>" for name, n in counts]
    breakdown = _breakdown(outcomes)
    return _section(
        "activity",
        "Decisions and outcomes",
        f"<table><tbody>{''.join(rows)}</tbody></table>{breakdown}",
    )


#: The columns an outcomes table is tallied by, the first one present.
_TALLIED = ("kind", "outcome", "status")


def _breakdown(outcomes: Rows) -> str:
    if isinstance(outcomes, RawColumns):  # a stored table: every row has its columns
        key = next((k for k in _TALLIED if k in outcomes.columns), None)
        values: Iterable[object] = () if key is None else outcomes.raw_column(key)
    else:
        key = next((k for k in _TALLIED if any(k in r for r in outcomes)), None)
        values = () if key is None else (row.get(key) for row in outcomes)
    if key is None:
        return ""
    tally = _tally(outcomes, key, values)
    widest = max(tally.values())
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td><span class='bar' "
        f"style='width:{120 * n / widest:.0f}px'></span>{n:,}</td></tr>"
        for name, n in sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    )
    title = f"<h2 style='margin-top:16px'>Outcomes by {escape(key)}</h2>"
    return f"{title}<table>{rows}</table>"


def _tally(outcomes: Rows, key: str, values: Iterable[object]) -> Counter[str]:
    """How many of ``values`` (column ``key`` of ``outcomes``) each cell spelling
    has (an empty one as :data:`fmt.MISSING`).

    Why: a stored table's column was read a string per outcome to count a few
    kinds. A table that counts its own values (:class:`CountedColumns`) gives
    each distinct stored value once with its count; their spellings are summed
    as spelling each row would sum them. Reals are spelled row by row (SQLite
    counts ``0.0`` and ``-0.0`` as one value; they spell apart).
    """
    if isinstance(outcomes, CountedColumns):
        counted = outcomes.raw_counts(key)
        if not any(isinstance(value, float) for value, _ in counted):
            tally: Counter[str] = Counter()
            for value, n in counted:
                tally[format_cell(value) or fmt.MISSING] += n
            return tally
    return Counter(format_cell(value) or fmt.MISSING for value in values)


def _blotter(fills: Rows) -> str:
    shown = fills[:BLOTTER_ROWS]
    if not shown:
        return _section("fills", "Fills", '<p class="empty">No fills.</p>')
    note = f"first {len(shown):,} of {len(fills):,}; all in fills.csv"
    columns = columns_of(shown)
    numeric = {c for c in columns if all(_is_number(r.get(c)) for r in shown if c in r)}
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{escape(c)}</th>' for c in columns
    )
    body = "".join(_blotter_row(row, columns, numeric) for row in shown)
    inner = (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
    return _section("fills", "Fills", inner, note)


def _blotter_row(
    row: Mapping[str, object], columns: list[str], numeric: set[str]
) -> str:
    cells = []
    for column in columns:
        text = display(row.get(column)) if column in row else ""
        css = "num" if column in numeric else ""
        if column == "side" and text.lower() in ("buy", "sell"):
            css = text.lower()
        cells.append(f'<td class="{css}">{escape(text)}</td>')
    return f"<tr>{''.join(cells)}</tr>"
