"""Write a replay report folder: canonical summary, CSV tables and a one-file HTML view.

``report.html`` is interactive (Plotly, embedded: no network) and byte-identical for
identical runs; ``trades.csv`` holds every round trip the page's list may cap.

``summary.json`` holds only results, written canonically, so two identical runs give
byte-identical files (diff them, hash them, sign them). Anything that varies between
identical runs (timings, host, start time) belongs in ``run.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.adapters.report.analysis import FillColumns, release_all
from tradecore.adapters.report.canonical import canonical_json
from tradecore.adapters.report.content import (
    build_content,
    charted_symbols,
    drawdown_of,
)
from tradecore.adapters.report.html_page import PageData, write_page
from tradecore.adapters.report.stamp_texts import second_texts
from tradecore.adapters.report.tables import (
    CopiedWhileRead,
    CopiesAlongside,
    CsvLines,
    CsvRowSink,
    write_rows_csv,
)
from tradecore.adapters.report.trade_list import (
    TradeList,
    collect_trades_and_statistics,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.research.trades import FillStatistics

Rows = Sequence[Mapping[str, object]]
MAX_PLOT_POINTS = 2000
TRADES_CSV = "trades.csv"
#: Rows of equity.csv spelled at a time.
EQUITY_CHUNK = 16_384


def write_report(
    out_dir: Path | str,
    summary: Mapping[str, object],
    equity: tuple[ArrayLike, ArrayLike],
    fills: Rows,
    decisions: Rows,
    outcomes: Rows,
    run_info: Mapping[str, object],
    *,
    title: str = "Replay report",
    max_plot_points: int = MAX_PLOT_POINTS,
    tca: Sequence[ExecutionAnalysis] = (),
    bars: Sequence[BarFrame] = (),
    about: Mapping[str, str] | None = None,
    release: Callable[[BarFrame], None] | None = None,
    collected: CollectedTrades | None = None,
) -> dict[str, Path]:
    """Write the report files into ``out_dir`` (created if needed).

    Args:
        out_dir: the report folder.
        summary: results only (no timings); written as canonical ``summary.json``.
        equity: ``(timestamps, values)``: int64 ns since the epoch (or aware
            datetimes) and the equity at each.
        fills: one mapping per fill, for ``fills.csv`` and the blotter preview.
        decisions: one mapping per decision record, for ``decisions.csv``.
        outcomes: one mapping per outcome record, for ``outcomes.csv``.
        run_info: timings and other run facts, for ``run.json``.
        title: the page title.
        max_plot_points: the most points a chart keeps (min/max downsampling).
        tca: the orders' cost analyses: cost charts and decision explanations.
        bars: the bars replayed: the buy-and-hold benchmark, the price charts and
            the round trips' MAE/MFE (without them those are left out).
        about: what ran on what (``strategy``, ``strategy_doc``, ``data``,
            ``data_kind``): the page opens with what the run says in words
            (:mod:`~tradecore.adapters.report.story`).
        release: told of each frame of ``bars`` whenever the report is done
            reading it for now (bars on memory-mapped files let the pages go: the
            trade list, benchmark and charts read every page of the run).
        collected: what :func:`collect_report_trades` gave for ``fills`` and
            ``bars`` in ``out_dir`` (trades.csv is then written already, and
            fills.csv when it says so).

    Returns:
        The written files by name.

    Raises:
        InvalidInput: the equity timestamps and values differ in length, or a value
            has no canonical JSON form.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stamps, values = _equity_arrays(equity)
    drawdown = drawdown_of(values)
    files = {
        "summary.json": canonical_json(summary),
        "run.json": canonical_json(run_info),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="ascii")
    _write_equity_csv(folder / "equity.csv", stamps, values, drawdown)
    if not (collected is not None and collected.fills_written):
        write_rows_csv(folder / "fills.csv", fills)
    _write_decisions_and_outcomes(folder, decisions, outcomes)
    page = PageData(
        title=title, summary=summary, stamps=stamps, values=values, bars=bars,
        fills=fills, decisions=decisions, outcomes=outcomes, run_info=run_info,
        tca=tca, max_points=max_plot_points, about=dict(about or {}),
    )  # fmt: skip
    if collected is not None:
        content = build_content(
            summary, stamps, values, fills, bars, max_points=max_plot_points,
            release=release, collected=(collected.trades, collected.columns),
        )  # fmt: skip
    else:
        with CsvRowSink(folder / TRADES_CSV) as trades_csv:  # every trip, as it closes
            content = build_content(
                summary, stamps, values, fills, bars, max_points=max_plot_points,
                release=release, trip_sink=trades_csv,
            )  # fmt: skip
    write_page(folder / "report.html", page, content)
    names = [*files, "equity.csv", "trades.csv", "fills.csv", "decisions.csv"]
    return {name: folder / name for name in [*names, "outcomes.csv", "report.html"]}


def _write_decisions_and_outcomes(
    folder: Path, decisions: Rows, outcomes: Rows
) -> None:
    """Write decisions.csv, and outcomes.csv from the same read when the
    decisions can copy the outcomes alongside (:class:`CopiesAlongside`, a
    replay's stored decisions) and did; else outcomes.csv on its own."""
    copying = decisions if isinstance(decisions, CopiesAlongside) else None
    if copying is not None:
        copying.copy_alongside(outcomes, folder / "outcomes.csv")
    try:
        write_rows_csv(folder / "decisions.csv", decisions)
    finally:
        if copying is not None:
            copying.copy_alongside(outcomes, None)
    if copying is None or not copying.copied_alongside():
        write_rows_csv(folder / "outcomes.csv", outcomes)


@attrs.frozen
class CollectedTrades:
    """A run's round trips as the report shows them, and its fills' columns."""

    trades: TradeList
    columns: FillColumns
    #: Whether fills.csv was written from the same read of the fills.
    fills_written: bool = False


def collect_report_trades(
    out_dir: Path | str,
    fills: Rows,
    bars: Sequence[BarFrame],
    timestamps: ArrayLike,
    release: Callable[[BarFrame], None] | None = None,
) -> tuple[CollectedTrades, FillStatistics | None]:
    """Write ``out_dir``'s trades.csv and collect the trades for
    :func:`write_report` (``collected``), with the fills' statistics (exposure at
    ``timestamps``) from the same pass: a replay's summary needs those before
    its report is written, and both come from the same round trips.

    The statistics are None when the fills were not in time order (see
    :func:`~tradecore.adapters.report.trade_list.collect_trades_and_statistics`).

    Fills that can copy themselves while read (:class:`CopiedWhileRead`, a
    replay's stored fills) write fills.csv from that same read: reading the table
    again for it cost as much as spelling it. The trades never see it.
    """
    copy = fills if isinstance(fills, CopiedWhileRead) else None
    if copy is not None:
        copy.copy_while_read(Path(out_dir) / "fills.csv")
    try:
        with CsvRowSink(Path(out_dir) / TRADES_CSV) as trades_csv:
            trades, columns, facts = collect_trades_and_statistics(
                fills, bars, timestamps, release,
                marked=charted_symbols(bars), sink=trades_csv,
            )  # fmt: skip
    finally:
        if copy is not None:
            copy.copy_while_read(None)
    release_all(bars, release)  # the last trips' bars, as build_content releases them
    written = copy is not None and copy.copied()
    return CollectedTrades(trades, columns, written), facts


def _equity_arrays(
    equity: tuple[ArrayLike, ArrayLike],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    raw_stamps, raw_values = equity
    stamps = np.asarray(raw_stamps)
    if stamps.dtype == object:
        stamps = np.array([to_ns(t) for t in stamps if isinstance(t, datetime)])
    elif stamps.dtype.kind == "M":
        stamps = stamps.astype("datetime64[ns]").view(np.int64)
    values = np.asarray(raw_values, dtype=np.float64)
    if stamps.shape != values.shape or stamps.ndim != 1:
        reason = f"timestamps {stamps.shape} and values {values.shape} must match"
        raise InvalidInput("equity", (stamps.shape, values.shape), reason)
    return stamps.astype(np.int64, copy=False), values


def _write_equity_csv(
    path: Path,
    stamps: NDArray[np.int64],
    values: NDArray[np.float64],
    drawdown: NDArray[np.float64],
) -> None:
    """Write the curve :data:`EQUITY_CHUNK` rows at a time (the text of a whole
    run's stamps and values, as Python strings, would be tens of MB).

    A chunk's lines are joined and written at once: ISO stamps and float reprs
    (digits, ``-+.:eTZ``, ``inf``, ``nan``) are never quoted by a CSV writer, so
    the text is what ``csv.writer`` writes for those rows.
    """
    whole = not np.any(stamps % 1_000_000_000)
    with path.open("w", newline="", encoding="ascii") as stream:
        CsvLines(stream).add(["timestamp", "equity", "drawdown"])
        for start in range(0, len(stamps), EQUITY_CHUNK):
            part = slice(start, start + EQUITY_CHUNK)
            text = (
                second_texts(stamps[part])
                if whole
                else np.datetime_as_string(
                    stamps[part].view("datetime64[ns]"), unit="ns"
                ).tolist()
            )
            stream.write(
                "".join(
                    f"{t}Z,{v!r},{d!r}\n"
                    for t, v, d in zip(
                        text,
                        values[part].tolist(),
                        drawdown[part].tolist(),
                        strict=True,
                    )
                )
            )
