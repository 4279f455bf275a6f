"""pandas DataFrames as bar data: the shapes of files, without writing a file.

Accepted (pandas is only touched through the objects handed in; importing this
module does not import pandas):

* ``{"AAPL": df, ...}``: one DataFrame per symbol (yfinance's ``history()``, a
  ``DatetimeIndex`` named ``Date``/``Datetime``, or a ``timestamp`` column);
* one long DataFrame with a ``symbol`` column or a ``(symbol, timestamp)``
  MultiIndex (Alpaca's ``bars.df``);
* a single-ticker yfinance ``download()`` frame (two column levels: price, ticker).

Column names are matched as in files (:mod:`._shapes`); timestamps follow the same
rules (:mod:`._stamps`): zone-aware instants, naive ones with ``tz``, dates and
naive midnights as sessions. Errors name the DataFrame and its 1-based row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from tradecore.adapters.data._shapes import SYMBOL, TARGETS, detect_shape
from tradecore.adapters.data._table import BarFileOptions, Source, frames_from_table
from tradecore.adapters.data.bar_files import STRICT_LINES, LoadedBars
from tradecore.adapters.data.quarantine import Quarantine
from tradecore.domain.errors import BarFileError, BarQualityError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.validation import SYMBOL_RE


def is_dataframe(value: object) -> bool:
    """Whether ``value`` is a pandas DataFrame (without importing pandas)."""
    kind = type(value)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas")


def is_pandas_data(value: object) -> bool:
    """Whether ``value`` is a DataFrame or a non-empty mapping of symbol -> DataFrame."""
    if is_dataframe(value):
        return True
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(is_dataframe(v) for v in value.values())
    )


def load_dataframes(
    data: Any,
    options: BarFileOptions | None = None,
    *,
    provenance: Provenance = Provenance.FILE,
    strict: bool = False,
) -> LoadedBars:
    """Load bars from a DataFrame or a mapping of symbol -> DataFrame.

    Raises:
        BarFileError: a missing column, a bad value or symbol, naming the row.
        BarQualityError: ``strict`` and the gate quarantined rows.
    """
    options = options or BarFileOptions()
    quarantine = Quarantine()
    frames: list[BarFrame] = []
    shapes: dict[str, str] = {}
    items = data.items() if isinstance(data, Mapping) else [(None, data)]
    for key, frame in items:
        name = "DataFrame" if key is None else f"DataFrame[{key!r}]"
        loaded, shapes[name] = _load_one(
            name, key, frame, options, provenance, quarantine
        )
        frames.extend(loaded)
    symbols = [f.symbol for f in frames]
    if len(set(symbols)) != len(symbols):
        repeated = sorted({s for s in symbols if symbols.count(s) > 1})[0]
        raise BarFileError(
            "DataFrames", "symbol", repeated, f"{repeated} appears twice"
        )
    if not any(len(f) for f in frames):
        raise BarFileError("DataFrames", "rows", None, "hold no bars")
    if strict and quarantine.quarantined:
        raise BarQualityError(quarantine.problems(STRICT_LINES), quarantine.quarantined)
    return LoadedBars(sorted(frames, key=lambda f: f.symbol), quarantine, shapes)


def _load_one(
    name: str,
    key: object,
    frame: Any,
    options: BarFileOptions,
    provenance: Provenance,
    quarantine: Quarantine,
) -> tuple[list[BarFrame], str]:
    frame, ticker = _flat_columns(name, frame)
    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowException, TypeError, ValueError) as e:
        raise BarFileError(name, "columns", None, f"cannot read the frame: {e}") from e
    table = table.rename_columns([str(c) for c in table.column_names])
    shape = detect_shape(name, table.column_names, options.columns, options.shape)
    targets = [t for t in TARGETS if t in shape.columns]
    table = table.select(shape.sources).rename_columns(targets)
    symbol = None
    if SYMBOL not in shape.columns:
        symbol = str(key) if key is not None else ticker
        if symbol is None:
            reason = "no symbol column or index level; pass {symbol: DataFrame}"
            raise BarFileError(name, "symbol", None, reason)
        if not SYMBOL_RE.match(symbol):
            reason = f"{symbol!r} is not a valid symbol (e.g. AAPL, BRK.B)"
            raise BarFileError(name, "symbol", symbol, reason)
    frames = frames_from_table(
        table,
        Source(name, lambda index: index + 1, unit="row"),
        symbol,
        options,
        date_named=shape.date_named,
        provenance=provenance,
        quarantine=quarantine,
    )
    return frames, shape.name


def _flat_columns(name: str, frame: Any) -> tuple[Any, str | None]:
    """A yfinance ``download()`` frame (price, ticker column levels) made flat."""
    if getattr(frame.columns, "nlevels", 1) != 2:
        return frame, None
    tickers = sorted({str(t) for t in frame.columns.get_level_values(1)})
    if len(tickers) != 1:
        reason = (
            f"columns hold {len(tickers)} tickers side by side; pass "
            "{ticker: df.xs(ticker, axis=1, level=1)} or df.stack(level=1)"
        )
        raise BarFileError(name, "columns", ", ".join(tickers), reason)
    return frame.droplevel(1, axis=1), tickers[0]
