"""Market data adapters: bar files on disk (CSV, Parquet)."""

from tradecore.adapters.data.bar_files import (
    BarFormat,
    load_bar_file,
    load_bar_files,
    write_bar_files,
)

__all__ = ["BarFormat", "load_bar_file", "load_bar_files", "write_bar_files"]
