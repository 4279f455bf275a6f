"""Market data adapters: bar files on disk (CSV, Parquet) and pandas DataFrames."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
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

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.data._shapes": ("parse_column_map",),
    "tradecore.adapters.data._table": ("BarFileOptions",),
    "tradecore.adapters.data.bar_files": (
        "BarFormat",
        "LoadedBars",
        "load_bar_file",
        "load_bar_files",
        "load_bars",
        "write_bar_files",
    ),
    "tradecore.adapters.data.quarantine": (
        "QUARANTINE_FILE",
        "Quarantine",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

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
