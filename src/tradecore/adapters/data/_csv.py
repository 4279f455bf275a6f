"""Read one ``SYMBOL.csv`` bar file with pyarrow, and explain it when arrow refuses it.

Arrow's CSV errors say *what* went wrong but not on which line. Good files never pay
for that: only after arrow refuses a file do we re-read it with the standard ``csv``
module to find the first bad line, and report file, line and field.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.csv as pa_csv

from tradecore.adapters.data._columns import NUMERIC, TIMESTAMP, LineOf
from tradecore.adapters.data._shapes import SYMBOL, Shape, detect_shape
from tradecore.domain.errors import BarFileError


def csv_line(index: int) -> int:
    """Return the file line of 0-based record ``index`` (line 1 is the header)."""
    return index + 2


@attrs.frozen(eq=False)
class CsvBars:
    """A CSV file's bar columns under tradecore's names, and how to find a row.

    ``ticker`` is the symbol a yfinance three-line header names (else ``None``).
    """

    table: pa.Table
    shape: Shape
    line_of: LineOf
    ticker: str | None = None


#: What a CSV file may write for a missing number (read as NaN when gated).
MISSING = ["", "null", "NULL", "NaN", "nan", "N/A", "NA"]


def read_csv_table(
    path: Path,
    explicit: Mapping[str, str] | None = None,
    *,
    missing_as_null: bool = False,
    shape: str = "auto",
) -> CsvBars:
    """Read the bar columns of a CSV file in any shape :mod:`._shapes` knows.

    ``missing_as_null`` reads an empty field, ``null``, ``NaN`` or ``N/A`` in a
    number column as missing (the gate then quarantines the row) instead of
    refusing the line.

    Returns:
        The columns renamed to ``timestamp`` (strings), ``open``...``volume``
        (float64) and ``symbol`` (strings) if the file has one.

    Raises:
        BarFileError: naming the file, line and field of the first problem.
    """
    try:
        return _read(path, explicit, MISSING if missing_as_null else [], shape)
    except UnicodeDecodeError as e:
        raise _not_utf8(path, e) from None


def _read(
    path: Path, explicit: Mapping[str, str] | None, missing: list[str], forced: str
) -> CsvBars:
    header, skip, ticker = _header(path)
    shape = detect_shape(path.name, header, explicit, forced)
    strings = {shape.columns[TIMESTAMP]: pa.string()}
    if SYMBOL in shape.columns:
        strings[shape.columns[SYMBOL]] = pa.string()
    try:
        table = pa_csv.read_csv(
            path,
            # The header's names as checked (" open" is "open"), not arrow's raw ones.
            read_options=pa_csv.ReadOptions(
                use_threads=True, column_names=_unique(header), skip_rows=skip
            ),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={
                    **strings,
                    **{shape.columns[name]: pa.float64() for name in NUMERIC},
                },
                include_columns=shape.sources,
                null_values=missing,
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowException as e:
        raise _explain(path, header, shape, skip, str(e)) from e
    targets = [t for t in (TIMESTAMP, *NUMERIC, SYMBOL) if t in shape.columns]
    renamed = table.rename_columns(targets)
    return CsvBars(renamed, shape, lambda index: index + skip + 1, ticker)


def _unique(header: list[str]) -> list[str]:
    # Arrow needs distinct names; a repeated column nobody reads gets a suffix.
    seen: dict[str, int] = {}
    names = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return names


def _header(path: Path) -> tuple[list[str], int, str | None]:
    """The header's names, how many lines it takes, and a ticker it names.

    Newer yfinance writes three header lines: ``Price,Adj Close,Close,...``, then
    ``Ticker,AAPL,AAPL,...``, then ``Date,,,...``; they read as one header whose
    first name is the third line's and whose ticker is the second line's.
    """
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        first = next(reader, None)
        if first is None:
            raise BarFileError(path.name, "header", None, "file is empty", line=1)
        names = [name.strip() for name in first]
        if not names or names[0] != "Price":
            return names, 1, None
        second, third = next(reader, []), next(reader, [])
    if not second or second[0].strip() != "Ticker" or not third:
        return names, 1, None
    tickers = {t.strip() for t in second[1:]}
    ticker = tickers.pop() if len(tickers) == 1 else None
    return [third[0].strip() or "Date", *names[1:]], 3, ticker


def _not_utf8(path: Path, error: UnicodeDecodeError) -> BarFileError:
    with path.open("rb") as stream:
        line = stream.read(error.start).count(b"\n") + 1
    bad = error.object[error.start : error.end]
    reason = f"not UTF-8 text (byte {bad.hex()} at offset {error.start})"
    return BarFileError(path.name, "file", None, reason, line=line)


def _explain(
    path: Path, header: list[str], shape: Shape, skip: int, arrow_message: str
) -> BarFileError:
    # Error path only: find the first line that breaks the format, in plain Python.
    positions = {name: header.index(shape.columns[name]) for name in NUMERIC}
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        for _ in range(skip):
            next(reader)
        for row in reader:
            problem = _row_problem(path.name, row, len(header), positions)
            if problem is not None:
                field, value, reason = problem
                return BarFileError(
                    path.name, field, value, reason, line=reader.line_num
                )
    return BarFileError(path.name, "file", None, f"unreadable CSV: {arrow_message}")


def _row_problem(
    file: str, row: list[str], width: int, positions: dict[str, int]
) -> tuple[str, object, str] | None:
    if len(row) != width:
        return "row", row, f"expected {width} fields, found {len(row)}"
    for name in NUMERIC:
        text = row[positions[name]]
        try:
            float(text)
        except ValueError:
            return name, text, f"{text!r} is not a number"
    return None
