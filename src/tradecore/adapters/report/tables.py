"""Generic CSV tables from lists of dict rows, written the same way every time."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Protocol, TextIO, runtime_checkable

import numpy as np


@runtime_checkable
class KnownColumns(Protocol):
    """Rows whose keys are known without reading them (every row has the same ones).

    A replay's stored tables are streamed from its file: reading them all once just
    to learn a header would double the report's cost per order.
    """

    @property
    def columns(self) -> list[str]:
        """The keys of every row, in order; empty when there are no rows."""
        ...


@runtime_checkable
class SpelledRows(KnownColumns, Protocol):
    """Rows that can spell their own CSV cells (as :func:`format_cell` would)."""

    def cells(self) -> Iterable[Sequence[str]]:
        """Each row's cells, in :attr:`columns` order."""
        ...


@runtime_checkable
class RawColumns(KnownColumns, Protocol):
    """Rows that give one column's stored values without building the rows.

    A value is as stored, not as the row holds it: readers use it for columns the
    rows hold unchanged (an outcome's ``kind``) or parse it themselves (JSON).
    """

    def raw_column(self, name: str) -> Iterable[object]:
        """Column ``name`` of every row, as stored, in the rows' order."""
        ...


@runtime_checkable
class SpelledColumns(KnownColumns, Protocol):
    """Rows that can spell their own CSV cells a batch's column at a time."""

    def cell_columns(self) -> Iterable[Sequence[list[str]]]:
        """Each batch of rows as its columns of cells, in :attr:`columns` order
        (what :meth:`SpelledRows.cells` gives, a batch transposed)."""
        ...


@runtime_checkable
class CountedColumns(RawColumns, Protocol):
    """Rows that can count a column's distinct stored values without giving
    them (a stored table grouped in its file)."""

    def raw_counts(self, name: str) -> list[tuple[object, int]]:
        """Each distinct value :meth:`RawColumns.raw_column` gives for ``name``
        with how many rows hold it, in no order; values stored alike are one
        entry (reals equal to zero, ``0.0`` and ``-0.0``, may share one)."""
        ...


@runtime_checkable
class SearchedColumns(Protocol):
    """Rows that can tell, without giving them, whether a column's stored values
    hold a text (a stored table searched in its file)."""

    def raw_any_holding(self, name: str, needles: Sequence[str]) -> bool:
        """Whether any row's stored column ``name`` is not text or holds one of
        ``needles`` (what ``isinstance(v, str)`` and ``needle in v`` tell of the
        values :meth:`RawColumns.raw_column` gives)."""
        ...


@runtime_checkable
class CopiesAlongside(Protocol):
    """Rows whose read of their cells can also write another table's CSV.

    A replay's outcomes are read joined to their decisions (for their order)
    right after the decisions were read: read beside the decisions, an outcome
    cost about 4K instructions less (a replay's whole run, cachegrind).
    """

    def copy_alongside(self, other: object, path: Path | None) -> None:
        """From now on, each whole read of the cells also writes ``other``'s
        table to ``path`` as :func:`write_rows_csv` writes it, if these rows can
        (None: no longer)."""
        ...

    def copied_alongside(self) -> bool:
        """Whether the last read of the cells wrote that whole table."""
        ...


@runtime_checkable
class CopiedWhileRead(Protocol):
    """Rows that can write their own CSV table while another pass reads them.

    A replay's fills are read for its round trips and again for ``fills.csv``:
    each full read of the table costs as much as spelling it.
    """

    def copy_while_read(self, path: Path | None) -> None:
        """From now on, each read of every row also writes the table to ``path``
        as :func:`write_rows_csv` writes it (None: no longer)."""
        ...

    def copied(self) -> bool:
        """Whether the last read so written went through every row."""
        ...


def columns_of(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """Return every key of ``rows``: first row's order, then new keys as they appear."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(str(key), None)
    return list(seen)


def _text(value: str) -> str:
    return value


def _empty(value: None) -> str:
    return ""


def _float(value: float) -> str:
    return repr(value) if math.isfinite(value) else ""


def _moment(value: datetime) -> str:
    if value.utcoffset() is None:
        return str(value)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: The common cell types spelled without the general function's tests (a report
#: writes a few cells per order, a round trip two times and four floats); the
#: spellings are the ones :func:`_format_cell` would give (exact types only:
#: ``bool`` and other numpy scalars still take the general path).
_FAST: dict[type, Callable[[object], str]] = {
    str: _text,  # type: ignore[dict-item]
    type(None): _empty,  # type: ignore[dict-item]
    Decimal: str,
    int: str,
    float: _float,  # type: ignore[dict-item]
    np.float64: lambda value: _float(float(value)),  # type: ignore[arg-type]
    datetime: _moment,  # type: ignore[dict-item]
}


def format_cell(value: object) -> str:
    """Spell one value for a CSV cell: exact decimals, round-trip floats, ISO UTC."""
    fast = _FAST.get(type(value))
    if fast is not None:
        return fast(value)
    return _format_cell(value)


def _format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    value = getattr(value, "value", value)  # enums
    return str(value)


def _quoted(field: str) -> str:
    """A field as ``csv.writer`` spells it (minimal quoting, quotes doubled)."""
    if '"' in field or "," in field or "\n" in field:
        return '"' + field.replace('"', '""') + '"'
    return field


def _quoted_column(column: list[str]) -> list[str]:
    """:func:`_quoted` of each cell of ``column``, in one comprehension."""
    return [
        '"' + field.replace('"', '""') + '"'
        if '"' in field or "," in field or "\n" in field
        else field
        for field in column
    ]


class CsvLines:
    """Rows of spelled cells written as ``csv.writer(stream, lineterminator="\n")``.

    Why: the writer scans every character of every field for what needs quoting,
    a good part of a report's cost. Here a row is joined and searched for a quote,
    a line break or a comma more than its separators (each a fast scan): none, and
    the joined text is the line; else each field is quoted as the writer quotes
    (fields holding ``,``, ``"`` or a line break, quotes doubled). Rows with a
    carriage return or a NUL, a lone empty field (written ``""``) or no fields go
    to the writer itself.
    """

    def __init__(self, stream: TextIO) -> None:
        """Write to ``stream`` (opened with ``newline=""``)."""
        self._write = stream.write
        self._writer = csv.writer(stream, lineterminator="\n")

    def add(self, cells: Sequence[str]) -> None:
        """Write one row."""
        line = ",".join(cells)
        if not line or "\r" in line or "\x00" in line:
            self._writer.writerow(cells)
        elif '"' in line or "\n" in line or line.count(",") != len(cells) - 1:
            self._write(",".join(map(_quoted, cells)) + "\n")
        else:
            self._write(line + "\n")

    def add_all(self, rows: Iterable[Sequence[str]]) -> None:
        """Write every row of ``rows``, :data:`CHUNK_ROWS` at a time where none
        needs more than joining (:meth:`_add_chunk`)."""
        remaining = iter(rows)
        while chunk := list(islice(remaining, CHUNK_ROWS)):
            self._add_chunk(chunk)

    def add_columns(self, columns: Sequence[list[str]]) -> None:
        """Write the rows whose cells ``columns`` holds, a column each (all of
        one length), as :meth:`add_all` writes them.

        Why: a decision's details hold quotes, so every chunk of that table went
        a row at a time through :meth:`add`, each cell through :func:`_quoted`.
        Here each column is searched once: one without a quote, comma or line
        break is written as it is (:func:`_quoted` leaves each of its cells as
        it is), the others have their cells quoted as :meth:`add` quotes them.
        A carriage return or NUL anywhere, or a lone column holding an empty
        cell (a line :meth:`add` gives to the writer), sends the rows to
        :meth:`add_all`.
        """
        if not columns or not columns[0]:
            return
        texts = ["".join(column) for column in columns]
        if any("\r" in text or "\x00" in text for text in texts) or (
            len(columns) == 1 and "" in columns[0]
        ):
            self.add_all(zip(*columns, strict=True))
            return
        quoted = [
            _quoted_column(column)
            if '"' in text or "," in text or "\n" in text
            else column
            for column, text in zip(columns, texts, strict=True)
        ]
        self._write("\n".join(map(",".join, zip(*quoted, strict=True))) + "\n")

    def _add_chunk(self, chunk: list[Sequence[str]]) -> None:
        """Write ``chunk`` as one text when every row is a plain joined line (as
        :meth:`add` would write each); else a row at a time.

        A row is plain when its line is not empty and holds no quote, line break,
        carriage return or NUL and no comma but its separators: the chunk's text
        holds no quote, carriage return or NUL, a line break only between lines,
        and as many commas as the rows have separators (a line never has fewer
        than its row's, so none then has more).
        """
        lines = list(map(",".join, chunk))
        text = "\n".join(lines)
        if (
            all(lines)
            and '"' not in text
            and "\r" not in text
            and "\x00" not in text
            and text.count("\n") == len(lines) - 1
            and text.count(",") == sum(map(len, chunk)) - len(chunk)
        ):
            self._write(text + "\n")
            return
        add = self.add
        for cells in chunk:
            add(cells)


#: Rows :meth:`CsvLines.add_all` joins into one text (when none needs quoting).
CHUNK_ROWS = 1_024


def write_rows_csv(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    """Write ``rows`` as CSV under a :func:`columns_of` header; missing cells are blank.

    No rows gives an empty file (there is no header to infer).
    """
    header = rows.columns if isinstance(rows, KnownColumns) else columns_of(rows)
    with path.open("w", newline="", encoding="utf-8") as stream:
        if not header:
            return
        lines = CsvLines(stream)
        lines.add(header)
        if isinstance(rows, SpelledColumns):
            for columns in rows.cell_columns():
                lines.add_columns(columns)
            return
        if isinstance(rows, SpelledRows):
            lines.add_all(rows.cells())
            return
        lines.add_all([format_cell(row.get(name)) for name in header] for row in rows)


class CsvRowSink:
    """A CSV written a row at a time, as :func:`write_rows_csv` writes a list.

    The header is the first row's keys (every row has the same ones); no rows leave
    an empty file. For tables computed as a stream (the report's round trips), so
    they are never held whole.
    """

    def __init__(self, path: Path) -> None:
        """Create (or empty) the file at ``path``."""
        self._stream = path.open("w", newline="", encoding="utf-8")
        self._lines = CsvLines(self._stream)
        self._header: list[str] | None = None

    def __enter__(self) -> CsvRowSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, row: Mapping[str, object]) -> None:
        """Write one row (the first also writes the header)."""
        if self._header is None:
            self._header = [str(key) for key in row]
            self._lines.add(self._header)
        self._lines.add([format_cell(row.get(name)) for name in self._header])

    def add_cells(self, columns: Sequence[str], cells: list[str]) -> None:
        """Write one row already spelled by :func:`format_cell`, in ``columns``
        order: what :meth:`add` writes for a row with those keys and values."""
        if self._header is None:
            self._header = list(columns)
            self._lines.add(self._header)
        self._lines.add(cells)

    def add_cell_columns(
        self, columns: Sequence[str], cells: Sequence[list[str]]
    ) -> None:
        """Write rows already spelled by :func:`format_cell`, a list of cells per
        column of ``columns`` (all of one length): what :meth:`add_cells` writes
        for each row (``CsvLines.add_columns``)."""
        if not cells or not cells[0]:
            return
        if self._header is None:
            self._header = list(columns)
            self._lines.add(self._header)
        self._lines.add_columns(cells)

    def restart(self) -> None:
        """Empty the file: the rows are being written again from the first."""
        self._stream.seek(0)
        self._stream.truncate()
        self._header = None

    def close(self) -> None:
        """Finish the file."""
        self._stream.close()
