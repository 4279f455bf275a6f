"""From bar columns under tradecore's names to checked frames, one per symbol.

Shared by CSV and Parquet files and pandas DataFrames: read the timestamps (instants
or session dates), the numbers, split the rows by symbol (a stable sort: each
symbol's rows keep their order), then either validate each symbol's columns as they
are (no gate: the first bad row stops the load, named by file and line) or screen
them with the data-quality gate and build the frame from the rows it keeps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import attrs
import numpy as np
import pyarrow as pa

from tradecore.adapters.data._columns import (
    NUMERIC,
    TIMESTAMP,
    _int64_ns,
    float_column,
    reject_nulls,
)
from tradecore.adapters.data._shapes import SYMBOL
from tradecore.adapters.data._stamps import Stamps, read_stamps
from tradecore.adapters.data.quarantine import Quarantine
from tradecore.domain.errors import BarFileError, InvalidBarData
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.bar_quality import (
    RULES,
    QualityRule,
    QualityRules,
    screen_bars,
)
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.validation import SYMBOL_RE

_NS_PER_DAY = 86_400 * 1_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NOT_A_SESSION = RULES.index(QualityRule.NOT_A_SESSION)

#: ``sessions(first, last)``: the exchange calendar covering those dates.
SessionsFor = Callable[[date, date], MarketCalendar]


@attrs.frozen(kw_only=True)
class BarFileOptions:
    """How to read bar files (and DataFrames) whose shape is not tradecore's own.

    Args:
        columns: source column -> tradecore column (``timestamp``, ``open``,
            ``high``, ``low``, ``close``, ``volume``, ``symbol``); wins over the
            names detected from the header.
        tz: the zone of naive timestamps (``America/New_York``); without it a naive
            timestamp is refused.
        sessions: the calendar for date-only rows (a date's bar is stamped at that
            session's open); without it a date-only file is refused.
        quality: the data-quality gate; ``None`` validates only (the first bad row
            stops the load), otherwise suspect rows go to the quarantine.
        shape: ``auto`` (detect from the header) or a shape to force:
            ``tradecore``, ``yfinance``, ``alpaca``, ``long``.
    """

    columns: Mapping[str, str] = attrs.field(factory=dict)
    tz: str | None = None
    sessions: SessionsFor | None = None
    quality: QualityRules | None = None
    shape: str = "auto"


@attrs.frozen(eq=False)
class Source:
    """Where rows come from, for messages: a file and its lines, a DataFrame's rows."""

    name: str
    line_of: Callable[[int], int]
    unit: str = "line"

    def error(self, field: str, value: object, reason: str, index: int) -> BarFileError:
        """A :class:`BarFileError` at 0-based row ``index``."""
        error = BarFileError(self.name, field, value, reason, line=self.line_of(index))
        if self.unit != "line":
            error.args = (str(error).replace(" line ", f" {self.unit} ", 1),)
        return error


def frames_from_table(
    table: pa.Table,
    source: Source,
    symbol: str | None,
    options: BarFileOptions,
    *,
    date_named: bool,
    provenance: Provenance,
    quarantine: Quarantine,
) -> list[BarFrame]:
    """Build one frame per symbol from ``table`` (tradecore's column names).

    ``symbol`` names the bars when the table has no ``symbol`` column.

    Raises:
        BarFileError: a bad value, symbol, date or (without a gate) bar, at its row.
    """
    stamps = read_stamps(
        source.name,
        table.column(TIMESTAMP),
        source.line_of,
        tz=options.tz,
        date_named=date_named,
    )
    values = [
        float_column(
            source.name,
            name,
            table.column(name),
            source.line_of,
            missing_as_nan=options.quality is not None,
        )
        for name in NUMERIC
    ]
    ns, suspect = _instants(stamps, source, options)
    frames = []
    for name, rows in _by_symbol(table, source, symbol):
        frames.append(
            _frame(
                name, rows, ns, values, suspect, source, options, provenance, quarantine
            )
        )
    return frames


def _instants(
    stamps: Stamps, source: Source, options: BarFileOptions
) -> tuple[np.ndarray, np.ndarray | None]:
    """UTC instants; dates become their session's open (a non-session: suspect)."""
    if stamps.ns is not None:
        return stamps.ns, None
    days = stamps.days
    assert days is not None
    if options.sessions is None:
        reason = "date-only timestamps need a market calendar to find their sessions"
        raise source.error(TIMESTAMP, None, reason, 0)
    if not len(days):
        return days, None
    first, last = (
        date.fromordinal(_EPOCH_ORDINAL + int(d)) for d in (days.min(), days.max())
    )
    calendar = options.sessions(first, last)
    sessions = calendar.sessions_between(first, last)
    session_days = np.array(
        [s.date.toordinal() - _EPOCH_ORDINAL for s in sessions], np.int64
    )
    opens = np.array([to_ns(s.open) for s in sessions], np.int64)
    index = np.minimum(np.searchsorted(session_days, days), max(len(sessions) - 1, 0))
    found = (
        (session_days[index] == days) if len(sessions) else np.zeros(len(days), bool)
    )
    ns = np.where(found, opens[index] if len(sessions) else 0, days * _NS_PER_DAY)
    if found.all():
        return ns, None
    if options.quality is None:
        row = int(np.flatnonzero(~found)[0])
        day = date.fromordinal(_EPOCH_ORDINAL + int(days[row]))
        reason = f"{day} is not a {calendar.name} session (a weekend or a holiday)"
        raise source.error(TIMESTAMP, str(day), reason, row)
    suspect = np.where(found, -1, _NOT_A_SESSION).astype(np.int8)
    return ns, suspect


def _by_symbol(
    table: pa.Table, source: Source, symbol: str | None
) -> list[tuple[str, np.ndarray | None]]:
    """Each symbol with its rows (``None``: all rows, in order)."""
    if SYMBOL not in table.column_names:
        assert symbol is not None
        return [(symbol, None)]
    import pyarrow.compute as pc  # only long tables: its import costs 0.05 s

    column = table.column(SYMBOL)
    reject_nulls(source.name, SYMBOL, column, source.line_of)
    encoded = pc.dictionary_encode(column.combine_chunks())
    codes = _int64_ns(encoded.indices)  # a plain buffer copy: no pandas bridge
    names = [str(s).strip() for s in encoded.dictionary.to_pylist()]
    order = np.argsort(codes, kind="stable")
    stops = np.cumsum(np.bincount(codes, minlength=len(names)))
    result = []
    for code, name in enumerate(names):
        rows = order[stops[code - 1] if code else 0 : stops[code]]
        if not SYMBOL_RE.match(name):
            reason = f"{name!r} is not a valid symbol (e.g. AAPL, BRK.B)"
            raise source.error(SYMBOL, name, reason, int(rows[0]))
        result.append((name, rows))
    return sorted(result, key=lambda item: item[0])


def _frame(
    symbol: str,
    rows: np.ndarray | None,
    ns: np.ndarray,
    values: list[np.ndarray],
    suspect: np.ndarray | None,
    source: Source,
    options: BarFileOptions,
    provenance: Provenance,
    quarantine: Quarantine,
) -> BarFrame:

    def pick(column: np.ndarray) -> np.ndarray:
        return column if rows is None else column[rows]

    stamps = pick(ns)
    columns = [pick(column) for column in values]
    positions = np.arange(len(ns)) if rows is None else rows
    if options.quality is not None:
        open_, high, low, close, volume = columns
        screening = screen_bars(
            symbol,
            stamps,
            open_,
            high,
            low,
            close,
            volume,
            options.quality,
            suspect=None if suspect is None else pick(suspect),
        )
        lines = np.array([source.line_of(int(i)) for i in positions[screening.rows]])
        quarantine.add(
            symbol,
            source.name,
            source.unit,
            _spread(lines, screening.rows, len(stamps)),
            stamps,
            columns,
            screening,
        )
        if not screening.keep.all():
            keep = screening.keep
            stamps, columns, positions = (
                stamps[keep],
                [c[keep] for c in columns],
                positions[keep],
            )
    try:
        return BarFrame(
            symbol=symbol,
            timestamps=stamps,
            **dict(zip(NUMERIC, columns, strict=True)),
            provenance=provenance,
        )
    except InvalidBarData as e:
        reason = f"{e.value!r} {e.reason}"
        raise source.error(e.field, e.value, reason, int(positions[e.row])) from e


def _spread(lines: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """A full-length line array holding ``lines`` at ``rows`` (others unused)."""
    full = np.zeros(n, np.int64)
    full[rows] = lines
    return full
