"""Read one ``SYMBOL.csv`` bar file with pyarrow, and explain it when arrow refuses it.

Arrow's CSV errors say *what* went wrong but not on which line. Good files never pay
for that: only after arrow refuses a file do we re-read it with the standard ``csv``
module to find the first bad line, and report file, line and field.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from tradecore.adapters.data._columns import (
    NUMERIC,
    REQUIRED,
    TIMESTAMP,
    check_columns,
    float_column,
    iso_timestamps_ns,
)
from tradecore.domain.errors import BarFileError


def csv_line(index: int) -> int:
    """Return the file line of 0-based record ``index`` (line 1 is the header)."""
    return index + 2


def read_csv_columns(path: Path) -> dict[str, np.ndarray]:
    """Read and check the bar columns of a CSV file.

    Returns:
        ``timestamp`` as int64 ns since the epoch and the five numeric columns as
        float64, not yet checked against the bar invariants.

    Raises:
        BarFileError: naming the file, line and field of the first problem.
    """
    try:
        return _read(path)
    except UnicodeDecodeError as e:
        raise _not_utf8(path, e) from None


def _read(path: Path) -> dict[str, np.ndarray]:
    header = _header(path)
    check_columns(path.name, header)
    try:
        table = pa_csv.read_csv(
            path,
            # The header's names as checked (" open" is "open"), not arrow's raw ones.
            read_options=pa_csv.ReadOptions(
                use_threads=True, column_names=header, skip_rows=1
            ),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={
                    TIMESTAMP: pa.string(),
                    **{name: pa.float64() for name in NUMERIC},
                },
                include_columns=list(REQUIRED),
                null_values=[],
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowException as e:
        raise _explain(path, header, str(e)) from e
    columns = {
        name: float_column(path.name, name, table.column(name), csv_line)
        for name in NUMERIC
    }
    stamps = iso_timestamps_ns(path.name, table.column(TIMESTAMP), csv_line)
    return {TIMESTAMP: stamps, **columns}


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as stream:
        first = next(csv.reader(stream), None)
    if first is None:
        raise BarFileError(path.name, "header", None, "file is empty", line=1)
    return [name.strip() for name in first]


def _not_utf8(path: Path, error: UnicodeDecodeError) -> BarFileError:
    with path.open("rb") as stream:
        line = stream.read(error.start).count(b"\n") + 1
    bad = error.object[error.start : error.end]
    reason = f"not UTF-8 text (byte {bad.hex()} at offset {error.start})"
    return BarFileError(path.name, "file", None, reason, line=line)


def _explain(path: Path, header: list[str], arrow_message: str) -> BarFileError:
    # Error path only: find the first line that breaks the format, in plain Python.
    positions = {name: header.index(name) for name in REQUIRED}
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
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
