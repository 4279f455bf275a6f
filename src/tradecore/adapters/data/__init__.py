"""Market data adapters: bar files on disk (CSV, Parquet) and pandas DataFrames."""

from tradecore.adapters.data._shapes import parse_column_map
from tradecore.adapters.data._table import BarFileOptions
from tradecore.adapters.data.bar_files import (
    BarFormat,
    LoadedBars,
    load_bar_file,
    load_bar_files,
    load_bars,
    write_bar_files,
)
from tradecore.adapters.data.quarantine import QUARANTINE_FILE, Quarantine

__all__ = [
    "QUARANTINE_FILE",
    "BarFileOptions",
    "BarFormat",
    "LoadedBars",
    "Quarantine",
    "load_bar_file",
    "load_bar_files",
    "load_bars",
    "parse_column_map",
    "write_bar_files",
]
