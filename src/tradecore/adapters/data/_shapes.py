"""Which column is which: the bar-file shapes researchers have, read from the header.

A header is matched to tradecore's columns (``timestamp``, ``open``, ``high``,
``low``, ``close``, ``volume``, and an optional ``symbol``) by name, ignoring case and
surrounding spaces, through a few aliases (``Date``/``Datetime``/``time`` for the
timestamp, ``ticker`` for the symbol). Columns that map to nothing (yfinance's
``Adj Close``, Alpaca's ``trade_count`` and ``vwap``) are ignored. An explicit
mapping (``--columns "Date=timestamp,Adj Close=close"``) names source columns for
tradecore's and wins over the aliases.

The shape's name is what the header looks like, for messages and reports:

* ``alpaca``: ``symbol,timestamp,...,trade_count,vwap`` (``bars.df.to_csv()``);
* ``long``: any other header with a symbol column (many symbols in one file);
* ``yfinance``: ``Date`` or ``Datetime`` and ``Open,...`` (``Adj Close`` optional),
  also the three-line header of newer yfinance (``Price`` / ``Ticker`` / ``Date``);
* ``tradecore``: ``timestamp,open,high,low,close,volume``, one symbol per file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from tradecore.adapters.data._columns import NUMERIC, REQUIRED, TIMESTAMP
from tradecore.domain.errors import BarFileError

SYMBOL = "symbol"
TARGETS = (*REQUIRED, SYMBOL)
_ALIASES: dict[str, tuple[str, ...]] = {
    TIMESTAMP: ("timestamp", "date", "datetime", "time", "__index_level_0__"),
    SYMBOL: ("symbol", "ticker"),
    **{name: (name,) for name in NUMERIC},
}
#: Column names that say the date is the whole stamp (a daily bar's session date).
DATE_NAMES = frozenset({"date"})
#: The shapes a header can have; ``--shape`` forces one instead of detecting it.
SHAPES = ("tradecore", "yfinance", "alpaca", "long")


@attrs.frozen
class Shape:
    """How a header maps to tradecore's columns.

    ``columns`` maps each found target (``timestamp``, ..., ``symbol``) to the source
    column's name as written in the header.
    """

    name: str
    columns: Mapping[str, str]
    forced: bool = False

    @property
    def sources(self) -> list[str]:
        """The source columns to read, in target order."""
        return [self.columns[t] for t in TARGETS if t in self.columns]

    @property
    def date_named(self) -> bool:
        """Whether the timestamp column holds dates, maybe at 00:00 with an offset.

        True for a column called ``Date``, or for any under a forced ``yfinance``.
        """
        if self.forced and self.name == "yfinance":
            return True
        return self.columns[TIMESTAMP].strip().lower() in DATE_NAMES


def parse_column_map(text: str) -> dict[str, str]:
    """Parse ``"Date=timestamp,Adj Close=close"`` into source -> target.

    Raises:
        BarFileError: an item without ``=`` or a target tradecore does not know.
    """
    mapping: dict[str, str] = {}
    for item in (part for part in text.split(",") if part.strip()):
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise BarFileError("--columns", "columns", item, "expected SOURCE=TARGET")
        mapping[source.strip()] = target.strip().lower()
    check_column_map(mapping)
    return mapping


def check_column_map(mapping: Mapping[str, str]) -> None:
    """Refuse targets tradecore does not know, or one target named twice.

    Raises:
        BarFileError: naming the bad item.
    """
    seen: dict[str, str] = {}
    for source, target in mapping.items():
        if target not in TARGETS:
            reason = f"unknown target {target!r}; use one of {', '.join(TARGETS)}"
            raise BarFileError("--columns", "columns", source, reason)
        if target in seen:
            reason = f"{target!r} is mapped from both {seen[target]!r} and {source!r}"
            raise BarFileError("--columns", "columns", source, reason)
        seen[target] = source


def detect_shape(
    file: str,
    header: Sequence[str],
    explicit: Mapping[str, str] | None = None,
    shape: str = "auto",
) -> Shape:
    """Match ``header`` to tradecore's columns (explicit mapping first, then aliases).

    ``shape`` (one of :data:`SHAPES`) overrides detection: ``tradecore`` ignores a
    symbol column (the file name is the symbol), ``yfinance`` reads every midnight
    (with any offset) as a session date, ``alpaca`` and ``long`` require a symbol
    column.

    Raises:
        BarFileError: a required column is missing (naming what is missing and what
            was found), an explicit source is not in the header, or two columns
            could each be the same target.
    """
    explicit = explicit or {}
    found: dict[str, str] = {}
    for source, target in explicit.items():
        if source not in header:
            reason = f"--columns names {source!r}, not in the header"
            raise BarFileError(file, target, source, f"{reason}: {', '.join(header)}")
        found[target] = source
    taken = set(found.values())
    if shape != "auto" and shape not in SHAPES:
        reason = f"unknown shape {shape!r}; use auto or one of {', '.join(SHAPES)}"
        raise BarFileError(file, "shape", shape, reason)
    for target, aliases in _ALIASES.items():
        if target in found or (target == SYMBOL and shape == "tradecore"):
            continue
        matches = [n for n in header if n.strip().lower() in aliases and n not in taken]
        if len(matches) > 1 and len(set(matches)) == 1:
            reason = (
                f"column appears {len(matches)} times (several tickers side by side? "
                "save one file per ticker, or one long file with a symbol column)"
            )
            raise BarFileError(file, target, None, reason)
        if len(matches) > 1:
            reason = (
                f"columns {', '.join(map(repr, matches))} could each be {target!r}; "
                f"choose one with --columns"
            )
            raise BarFileError(file, target, None, reason)
        if matches:
            found[target] = matches[0]
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise BarFileError(
            file,
            missing[0],
            None,
            f"missing column(s) {', '.join(missing)}; found {', '.join(header) or '-'}",
        )
    if shape in ("alpaca", "long") and SYMBOL not in found:
        reason = f"shape {shape!r} needs a symbol column; found {', '.join(header)}"
        raise BarFileError(file, SYMBOL, None, reason)
    if shape != "auto":
        return Shape(shape, found, forced=True)
    return Shape(_shape_name(header, found), found)


def _shape_name(header: Sequence[str], found: Mapping[str, str]) -> str:
    lowered = {name.strip().lower() for name in header}
    if SYMBOL in found:
        return "alpaca" if {"trade_count", "vwap"} <= lowered else "long"
    if found[TIMESTAMP].strip() in ("Date", "Datetime") or "adj close" in lowered:
        return "yfinance"
    return "tradecore"
