"""Flatten stored fills, decisions and outcomes into report rows (plain dicts).

Streamed from a finished replay's store file (:class:`StoredRows`), so a report
never holds a run's worth of records at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import islice, pairwise
from pathlib import Path
from typing import Any, NamedTuple, TextIO, overload

from tradecore.adapters.report.analysis import FillView
from tradecore.adapters.report.regime_section import REGIME_WORDS
from tradecore.adapters.report.tables import CsvLines
from tradecore.adapters.sqlstore import export
from tradecore.domain.orders.spec import Side


def _fill_row(row: dict[str, Any]) -> dict[str, object]:
    row["filled_at"] = row["filled_at"].isoformat()
    return row


#: ``json.dumps(..., sort_keys=True, default=str)``, built once (not per row).
_DETAILS = json.JSONEncoder(sort_keys=True, default=str)
_DECODER = json.JSONDecoder()
_parse = _DECODER.decode
#: The decoder's own scanner (set in its ``__init__``; typeshed does not list it).
_scan: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _parsed(text: str) -> Any:
    """``_parse(text)``, without the decoder's Python-level wrapper for a text
    that is one JSON value, edge to edge (every stored ``details``: compact).

    Why: ``decode`` matches leading and trailing blanks with a regular expression
    and goes through ``raw_decode`` around the C scanner, about half of parsing
    a decision's details. The scanner alone answers when it reads the whole
    text; a text with blanks around it, anything after the value, or none at all,
    goes to ``decode`` for its value or its error (the same scanner raises the
    same error for malformed JSON within).
    """
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return _parse(text)
    return value if end == len(text) else _parse(text)


def _one_shot(encoder: json.JSONEncoder) -> Callable[[object], str]:
    """``encoder.encode``, with the C encoder it builds on every call built once.

    Why: ``JSONEncoder.encode`` makes a new C encoder (and its circular-reference
    table) per call, about a quarter of spelling a decision's details in the CSV.
    Built here from ``encoder``'s own settings, so it writes the same text; without
    the circular-reference table, which parsed JSON (what it is given) never needs.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    strings = (
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring
    )
    encode = make(
        None,
        encoder.default,
        strings,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    return lambda value: "".join(encode(value, 0))


_details_json = _one_shot(_DETAILS)


def _decision_row(row: dict[str, Any]) -> dict[str, object]:
    row["decided_at"] = row["decided_at"].isoformat()
    row["details"] = _details_json(_parsed(row["details"]))
    return row


def _outcome_row(row: dict[str, Any]) -> dict[str, object]:
    row["reason"] = row["reason"] or ""
    row["client_order_id"] = row["client_order_id"] or ""
    row["recorded_at"] = row["recorded_at"].isoformat()
    return row


def _order_row(row: dict[str, Any]) -> dict[str, object]:
    for name in ("decided_at", "updated_at"):
        row[name] = row[name].isoformat()
    return row


_SHAPES: dict[str, Callable[[dict[str, Any]], dict[str, object]]] = {
    "fills": _fill_row,
    "decisions": _decision_row,
    "outcomes": _outcome_row,
    "orders": _order_row,
}


class StoredRows(Sequence[Mapping[str, object]]):
    """A replay table read from its store file on demand, never held whole.

    The rows of the store's fills, decisions and outcomes in the order its
    repositories return them, streamed from ``replay.db`` each time they are iterated:
    the report writes them without a run's worth of records in memory, and a
    notebook materializes them only if it asks (``list(result.fill_rows)``, or
    ``result.fills``, a DataFrame).
    """

    def __init__(self, db: Path, table: str) -> None:
        """Rows of ``table`` (fills, decisions, outcomes or orders) in the store ``db``."""
        self._db = db
        self._table = table
        self._shape = _SHAPES[table]
        self._len: int | None = None
        #: :meth:`raw_counts` of the columns a whole read of :meth:`cell_columns`
        #: counted on its way (:data:`_COUNTED_WHILE_SPELLED`), by name.
        self._counted: dict[str, list[tuple[object, int]]] = {}
        #: :meth:`raw_any_holding` of the columns and needles a whole read of
        #: :meth:`cell_columns` searched on its way (:data:`_SEARCHED_WHILE_SPELLED`).
        self._searched: dict[tuple[str, tuple[str, ...]], bool] = {}
        #: The outcomes whose CSV table a read of these decisions also writes,
        #: and where (:meth:`copy_alongside`); whether the last such read did.
        self._alongside: tuple[StoredRows, Path] | None = None
        self._copied_alongside = False

    def __len__(self) -> int:
        if self._len is None:
            self._len = export.count(self._db, self._table)
        return self._len

    def __iter__(self) -> Iterator[Mapping[str, object]]:
        return map(self._shape, export.rows(self._db, self._table))

    @property
    def columns(self) -> list[str]:
        """Every row's keys, in order (none when the table is empty)."""
        return export.columns(self._db, self._table) if len(self) else []

    def cells(self) -> Iterator[Sequence[str]]:
        """Yield each row as the CSV cells ``format_cell`` would spell, in column order.

        The report's tables are written from these: the same text as shaping each
        row and formatting its values (a test holds the two equal), without a dict
        and a conversion per value. A batch of rows is spelled a column at a time
        (:func:`_column_speller`).
        """
        for columns in self.cell_columns():
            yield from zip(*columns, strict=True)

    def copy_alongside(self, other: object, path: Path | None) -> None:
        """From now on, each whole read of these rows' cells (:meth:`cell_columns`)
        also writes ``other``'s CSV table to ``path`` as ``write_rows_csv``
        writes it, when these are a store's decisions and ``other`` its
        outcomes (else, or with ``path`` None, no table is written alongside).

        :meth:`copied_alongside` tells whether the last read did; the outcomes'
        kinds are counted as their own whole read counts them.
        """
        self._alongside = None
        if (
            path is not None
            and self._table == "decisions"
            and isinstance(other, StoredRows)
            and other._table == "outcomes"
            and other._db == self._db
        ):
            self._alongside = (other, path)
            self._copied_alongside = False

    def copied_alongside(self) -> bool:
        """Whether the last read of the cells also wrote the whole table it was
        to write alongside (:meth:`copy_alongside`)."""
        return self._copied_alongside

    def cell_columns(self) -> Iterator[list[list[str]]]:
        """Yield each batch of rows as its columns of cells (what :meth:`cells`
        gives, a batch transposed): the report writes a batch's columns without
        making a tuple per row (``CsvLines.add_columns``)."""
        self._copied_alongside = False
        alongside = self._alongside
        if alongside is not None and export.one_outcome_a_decision(self._db):
            yield from self._cells_with_outcomes(*alongside)
            return
        names = export.columns(self._db, self._table)
        spell = [_column_speller(name) for name in names]
        notes = _ReadNotes(self._table, names)
        for batch in export.batches(self._db, self._table):
            columns = list(zip(*batch, strict=True))
            notes.add(columns)
            yield [fn(column) for fn, column in zip(spell, columns, strict=True)]
        notes.keep(self._counted, self._searched)  # a whole read only

    def _cells_with_outcomes(
        self, outcomes: StoredRows, path: Path
    ) -> Iterator[list[list[str]]]:
        """:meth:`cell_columns` of the decisions, read with their outcomes beside
        them (``export.decisions_with_outcomes``), each batch's outcomes written
        to ``path`` as their own :meth:`cell_columns` would be (no header for
        none) and counted as their whole read counts them."""
        names = export.columns(self._db, "decisions")
        outcome_names = export.columns(self._db, "outcomes")
        spell = [_column_speller(name) for name in names]
        outcome_spell = [_column_speller(name) for name in outcome_names]
        notes = _ReadNotes("decisions", names)
        outcome_notes = _ReadNotes("outcomes", outcome_names)
        with path.open("w", newline="", encoding="utf-8") as stream:
            lines, header = CsvLines(stream), outcome_names
            for columns, outcome_columns in export.decisions_with_outcomes(self._db):
                notes.add(columns)
                yield [fn(column) for fn, column in zip(spell, columns, strict=True)]
                if outcome_columns[0]:
                    outcome_notes.add(outcome_columns)
                    cells = zip(outcome_spell, outcome_columns, strict=True)
                    if header:
                        lines.add(header)
                        header = []
                    lines.add_columns([fn(column) for fn, column in cells])
            if header and len(outcomes):  # outcomes, none of a stored decision
                lines.add(header)
        notes.keep(self._counted, self._searched)  # a whole read only
        outcome_notes.keep(outcomes._counted, outcomes._searched)
        self._copied_alongside = True

    def raw_column(self, name: str) -> Iterator[object]:
        """Yield column ``name`` of every row as the driver gives it (not shaped).

        For readers that parse or spell the value themselves (the report's regime
        and outcome tallies): the stored text of a column the rows leave as it is
        (``kind``), or JSON text that parses to what the shaped row's re-encoded
        ``details`` parses to. Spares a dict and a shaping per row.
        """
        return export.column(self._db, self._table, name)

    def raw_columns(self, *names: str) -> Iterator[tuple[object, ...]]:
        """:meth:`raw_column` of each of ``names``, together: a tuple per row, from
        one read of the table."""
        return export.column_tuples(self._db, self._table, names)

    def raw_counts(self, name: str) -> list[tuple[object, int]]:
        """Each distinct raw value of column ``name`` with its count, in no order
        (``export.counts``: counted in the file, not a string per row).

        A column counted by the last whole read of :meth:`cell_columns` (the
        outcomes' ``kind``, as their CSV is written) is not read again: its
        values were all text, which SQLite groups byte for byte, as a
        ``Counter`` groups equal strings.
        """
        counted = self._counted.get(name)
        if counted is not None:
            return list(counted)
        return export.counts(self._db, self._table, name)

    def raw_any_holding(self, name: str, needles: Sequence[str]) -> bool:
        """Whether any row's raw column ``name`` is not text or holds one of
        ``needles`` (``export.any_holding``: searched in the file, not read).

        A column and needles searched by the last whole read of
        :meth:`cell_columns` (the decisions' details for a regime's words, as
        their CSV is written) are not searched again.
        """
        searched = self._searched.get((name, tuple(needles)))
        if searched is not None:
            return searched
        return export.any_holding(self._db, self._table, name, needles)

    def raw_tally(self, name: str, where: str, equals: str) -> list[tuple[object, int]]:
        """Each distinct raw value of column ``name`` among the rows whose raw
        ``where`` is ``equals``, with its count, in no order (``export.tally``:
        counted in the file, not a string per row)."""
        return export.tally(self._db, self._table, name, where, equals)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, object]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, object]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> Mapping[str, object] | Sequence[Mapping[str, object]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            head = export.rows(self._db, self._table, limit=stop)
            return [self._shape(r) for r in islice(head, start, stop, step)]
        position = range(len(self))[index]  # IndexError as a list gives it
        head = export.rows(self._db, self._table, limit=position + 1)
        return self._shape(next(islice(head, position, None)))


#: Columns whose raw values :meth:`StoredRows.cell_columns` counts as it reads
#: them, by table: the report tallies the outcomes by kind after writing their
#: CSV, and a GROUP BY over the outcomes (joined to their decisions) cost about
#: 5K instructions an order.
_COUNTED_WHILE_SPELLED = {"outcomes": ("kind",)}


#: Columns and needles :meth:`StoredRows.cell_columns` searches as it reads
#: them (:meth:`StoredRows.raw_any_holding`), by table: the report asks whether
#: any decision's details may name a regime after writing their CSV, and the
#: search over the file cost about 5K instructions an order.
_SEARCHED_WHILE_SPELLED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "decisions": (("details", REGIME_WORDS),)
}


class _ReadNotes:
    """What a read of a table's cells counts (:data:`_COUNTED_WHILE_SPELLED`) and
    searches (:data:`_SEARCHED_WHILE_SPELLED`) on its way, a batch at a time."""

    def __init__(self, table: str, names: list[str]) -> None:
        """Notes on ``table``'s columns ``names`` (in the rows' order)."""
        self._counting = {
            names.index(name): (name, Counter[object]())
            for name in _COUNTED_WHILE_SPELLED.get(table, ())
            if name in names
        }
        self._searching = {
            names.index(name): (name, needles)
            for name, needles in _SEARCHED_WHILE_SPELLED.get(table, ())
            if name in names
        }
        self._found: dict[tuple[str, tuple[str, ...]], bool]
        self._found = dict.fromkeys(self._searching.values(), False)

    def add(self, columns: list[tuple[Any, ...]]) -> None:
        """Count and search the next batch, given as its columns."""
        for at, (_, counter) in self._counting.items():
            counter.update(columns[at])
        found = self._found
        for at, searched in self._searching.items():
            if not found[searched]:
                found[searched] = _holds_any(columns[at], searched[1])

    def keep(
        self,
        counted: dict[str, list[tuple[object, int]]],
        searched: dict[tuple[str, tuple[str, ...]], bool],
    ) -> None:
        """Put the counts (of columns whose values were all text: else SQLite's
        own groups answer) in ``counted`` and the searches in ``searched``."""
        for name, counter in self._counting.values():
            if set(map(type, counter)) <= _TEXT_ONLY:
                counted[name] = list(counter.items())
        searched.update(self._found)


def _holds_any(column: Sequence[object], needles: Sequence[str]) -> bool:
    """Whether any value of ``column`` is not text or holds one of ``needles``
    (as ``instr`` finds a needle in SQLite's text: code points are UTF-8's).

    The texts are searched joined by NULs when no needle holds one (a needle
    then never spans two texts), else one by one.
    """
    if set(map(type, column)) - _TEXT_ONLY:
        return True
    texts: Sequence[str] = column  # type: ignore[assignment]
    if any("\x00" in needle for needle in needles):
        return any(needle in text for text in texts for needle in needles)
    whole = "\x00".join(texts)
    return any(needle in whole for needle in needles)


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def _decimal_text(value: object) -> str:
    return "" if value is None else str(Decimal(str(value)))


def _time_text(value: object) -> str:
    return "" if value is None else export.iso_utc(str(value))


def _details_text(value: object) -> str:
    return _details_json(_parsed(str(value)))


def _details_texts(column: tuple[object, ...]) -> list[str]:
    """:func:`_details_text` of each value: a column of plain details
    (:func:`_plain_details`) is respelled as a whole, else each is parsed and
    re-encoded.

    Why: parsing and re-encoding each decision's details (~23K instructions) was
    the largest cost of spelling the decisions' CSV; the respelling is a few
    passes of the builtins over the column's text.
    """
    respelled = _plain_details(column)
    return list(map(_details_text, column)) if respelled is None else respelled


def _plain_details(column: tuple[object, ...]) -> list[str] | None:
    """The column's texts as the CSV's encoder writes them, or None unless every
    one is a compact JSON object of one or more string pairs, keys strictly
    ascending, each string printable ASCII without a backslash.

    The texts are joined by line breaks (which such texts never hold) and split at
    their quotes: with no escapes, every quote opens or closes a string, so the
    pieces alternate between what lies outside the strings and a string's
    characters. Outside, a plain text has ``{`` then ``:`` and ``,`` in turn, and
    ``}`` (then ``}\n{`` between texts): checked here, piece by piece. The
    encoder (sorted keys, ASCII, ``": "`` and ``", "``) writes those same strings
    as they are (nothing in them to escape), in the same order (keys already
    ascending, none repeated), with a blank after each ``:`` and ``,``. Anything
    else (other values, escapes, non-ASCII, keys out of order, blanks, malformed
    text) gives None: the general path answers, errors included.
    """
    if not column or set(map(type, column)) != _TEXT_ONLY:
        return None
    texts: tuple[str, ...] = column  # type: ignore[assignment]
    whole = "".join(texts)
    if not whole.isascii() or whole.encode("ascii").translate(None, _PLAIN_ASCII):
        return None
    pieces = "\n".join(texts).split('"')
    colons, separators = pieces[2::4], pieces[4::4]
    if (
        len(pieces) % 4 != 1
        or pieces[0] != "{"
        or separators[-1:] != ["}"]
        or set(colons) != _COLON
        or not set(separators[:-1]) <= _BETWEEN_PAIRS
        or not all(map(_ascending_keys, set(_key_shapes(pieces))))
    ):
        return None
    pieces[2::4] = [": "] * len(colons)
    pieces[4::4] = [_SPACED[s] for s in separators]
    return '"'.join(pieces).split("\n")


def _key_shapes(pieces: list[str]) -> list[str]:
    """Each plain text's keys, in order, as a text (its values left empty)."""
    keys_only = pieces.copy()
    keys_only[3::4] = [""] * len(pieces[3::4])
    return '"'.join(keys_only).split("\n")


def _ascending_keys(shape: str) -> bool:
    """Whether the keys of a :func:`_key_shapes` text are strictly ascending."""
    keys = shape.split('"')[1::4]
    return all(a < b for a, b in pairwise(keys))


_TEXT_ONLY = {str}
#: The ASCII characters a plain text may hold: printable (``str.isprintable``:
#: space to ``~``), no backslash. Deleting them from a text's bytes leaves
#: nothing when it is plain: one pass of ``bytes.translate``, about 1.8K
#: instructions a decision less than ``isprintable``'s per-character look-ups.
_PLAIN_ASCII = bytes(range(0x20, 0x7F)).replace(b"\\", b"")
_COLON = {":"}
#: What may lie between two pairs of the joined texts: a comma, or a text's end
#: and the next one's start.
_BETWEEN_PAIRS = frozenset({",", "}\n{"})
#: Those, and the last text's end, as the encoder spells them.
_SPACED = {",": ", ", "}\n{": "}\n{", "}": "}"}


def _column_speller(name: str) -> Callable[[tuple[object, ...]], list[str]]:
    """:func:`_cell_speller` over a column of a batch at once.

    Why: a call per cell was most of writing a table. A column without NULLs is
    spelled by the builtins' own loops where the speller is ``str`` of the value
    (text columns) or of its ``Decimal`` (decimal columns); each distinct time is
    spelled once (a bar's time is shared by the rows of its symbols).
    """
    cell = _cell_speller(name)
    if cell is _plain:
        return lambda column: (
            list(map(str, column)) if None not in column else list(map(cell, column))
        )
    if cell is _decimal_text:
        return _decimals_text
    if cell is _time_text:
        return _times_text
    if cell is _details_text:
        return _details_texts
    return lambda column: list(map(cell, column))


def _decimals_text(column: tuple[object, ...]) -> list[str]:
    """:func:`_decimal_text` of each value, each distinct text spelled once.

    Why: a fill's quantity and fee are nearly always the same few texts, and its
    price one of a few hundred: a dictionary look-up is a fraction of a
    ``Decimal`` parse and spelling. Other values (which could compare equal across
    types: ``1 == 1.0``) are spelled one at a time, as the builtins' loop does.
    """
    if not set(map(type, column)) <= _TEXT_OR_NULL:
        if None not in column:
            return list(map(str, map(Decimal, map(str, column))))
        return list(map(_decimal_text, column))
    spelled = {value: _decimal_text(value) for value in dict.fromkeys(column)}
    return list(map(spelled.__getitem__, column))


def _times_text(column: tuple[object, ...]) -> list[str]:
    """:func:`_time_text` of each value, each distinct text spelled once per run
    (other values, which could compare equal across types, one at a time).

    Why: the fills, decisions and outcomes of a replay share their times (an
    order's decision, outcome and fill are mostly at one bar's time), so the
    spellings are kept across columns and tables (:data:`_SPELLED_TIMES`); a
    spelling depends on the text alone.
    """
    if not set(map(type, column)) <= _TEXT_OR_NULL:
        return list(map(_time_text, column))
    known = _SPELLED_TIMES
    spelled = dict.fromkeys(column, "")
    if len(known) + len(spelled) > _SPELLED_TIMES_KEPT:
        known.clear()
    for value in spelled:
        found = known.get(value)
        if found is None:
            found = known[value] = _time_text(value)
        spelled[value] = found
    # This column's own spellings: another thread may empty the kept ones.
    return list(map(spelled.__getitem__, column))


_TEXT_OR_NULL = frozenset({str, type(None)})
#: ISO spellings of stored time texts (``None`` as ``""``), by text, for
#: :func:`_times_text`; emptied when it would pass :data:`_SPELLED_TIMES_KEPT`
#: (a batch's worth or two: a run's worth would hold MBs through the report).
_SPELLED_TIMES: dict[object, str] = {}
_SPELLED_TIMES_KEPT = 16_384


def _cell_speller(name: str) -> Callable[[object], str]:
    """How a stored column's raw value is spelled in the CSV (see ``_SHAPES``)."""
    if name == "details":
        return _details_text
    if export.is_decimal_column(name):
        return _decimal_text
    if export.is_time_column(name):
        return _time_text
    return _plain


class FillRecord(NamedTuple):
    """A stored fill as the trade statistics read it (``research.trades.FillLike``)."""

    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    filled_at: datetime


#: A stored fill's fields as a :class:`FillRecord` holds them, in its order.
_FILL_FIELDS = ("symbol", "side", "qty", "price", "fee", "filled_at")
_SIDES = {side.value: side for side in Side}
_NO_FEE = Decimal(0)


def _side(text: object) -> Side:
    found = _SIDES.get(text)  # type: ignore[call-overload]
    return Side(str(text)) if found is None else found


class StoredFills(StoredRows):
    """The fills table of a store file (:class:`StoredRows`), also read as fills.

    The report's round trips and the summary's trade statistics read each fill as
    a :class:`FillRecord` or a :class:`FillView`: built here straight from the
    driver's tuples, they are the values reading the shaped rows back gives (a
    test holds them equal), without a dict, an ISO spelling and its parse per fill.
    """

    def __init__(self, db: Path) -> None:
        """The fills of the store ``db``."""
        super().__init__(db, "fills")
        self._copy: TextIO | None = None
        self._reads = 0
        self._copied = False

    def copy_while_read(self, path: Path | None) -> None:
        """From now on, each read of the fills (as records or views) also writes
        their CSV table to ``path``, as ``write_rows_csv`` writes it (None: no
        longer: the file is closed, :meth:`copied` still tells of it). A read
        writes the file anew from its first row; a read overtaken by a later one
        stops writing."""
        if self._copy is not None:
            self._copy.close()
        self._copy = None
        if path is not None:
            self._copy = path.open("w", newline="", encoding="utf-8")
            self._copied = False

    def copied(self) -> bool:
        """Whether the last read that wrote the table went through every fill."""
        return self._copied

    def _typed_columns(self) -> Iterator[tuple[list[Any], ...]]:
        """Each batch of fills' :data:`_FILL_FIELDS` columns, typed as the shaped
        rows type them: ``str`` of the symbol, the side, ``Decimal`` of the text of
        the quantity, price and fee, the aware time (:func:`_typed_fields`).

        Only those columns are read (``export.column_batches``: the export's own
        query and order): the ids the trades never read cost the driver a
        string each, about a fifth of reading the table. While copying, every
        column is read and each batch written before its columns are given
        (:meth:`_copied_columns`).
        """
        if self._copy is not None:
            yield from self._copied_columns(self._copy)
            return
        for batch in export.column_batches(self._db, "fills", _FILL_FIELDS):
            yield _typed_fields(list(zip(*batch, strict=True)))

    def _copied_columns(self, stream: TextIO) -> Iterator[tuple[list[Any], ...]]:
        """:meth:`_typed_columns`, each batch also written to ``stream`` as its
        CSV rows (unless a later read overtook this one).

        A column of texts of times, quantities, prices or fees is typed once and
        its cells spelled from the typed values (:func:`_typed_and_spelled`), not
        parsed again: a fill's price and time are mostly its own, and parsing
        them twice cost about 3.8K instructions a fill.
        """
        self._reads += 1
        read, self._copied = self._reads, False
        stream.seek(0)
        stream.truncate()
        names = export.columns(self._db, "fills")
        at = [names.index(name) for name in _FILL_FIELDS]
        lines, header = CsvLines(stream), names
        for batch in export.batches(self._db, "fills"):
            columns = list(zip(*batch, strict=True))
            typed, cells = _typed_and_spelled(names, columns)
            fields = _typed_fields([columns[i] for i in at], [typed.get(i) for i in at])
            if self._copy is stream and self._reads == read:  # not overtaken
                if header:
                    lines.add(header)
                    header = []
                lines.add_columns(cells)
            yield fields
        if self._copy is stream and self._reads == read:
            self._copied = True

    def _typed(self) -> Iterator[tuple[str, Side, Decimal, Decimal, Decimal, datetime]]:
        """Each fill's :data:`_FILL_FIELDS`, typed as the shaped rows type them."""
        for columns in self._typed_columns():
            yield from zip(*columns, strict=True)

    def fill_records(self) -> Iterator[FillRecord]:
        """The fills as :class:`FillRecords` reads the rows, in the store's order."""
        return map(FillRecord._make, self._typed())

    def fill_views(self) -> Iterator[FillView]:
        """The fills as the report's ``fill_views`` reads the rows, in store order.

        A zero fee of any spelling reads as ``Decimal(0)``, as the views read it.
        Each view is made from its fields' tuple by ``tuple.__new__`` (what the
        named tuple's own ``__new__`` does, without a Python call per fill).
        """
        for batch in self.fill_view_batches():
            yield from batch

    def fill_view_batches(self) -> Iterator[list[FillView]]:
        """:meth:`fill_views`, a list of them per batch the store is read in."""
        view = partial(tuple.__new__, FillView)
        for symbols, sides, qtys, prices, fees, ats in self._typed_columns():
            fees = [fee or _NO_FEE for fee in fees]
            fields = zip(symbols, sides, qtys, prices, fees, ats, strict=True)
            yield list(map(view, fields))


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def _typed_column(column: tuple[Any, ...], typed: Callable[[Any], Any]) -> list[Any]:
    """``typed`` of each value of ``column``; each distinct value once when all
    are text.

    Why: a fill's quantity and fee are nearly always the same few texts, its
    symbol, side and price one of a few, and a bar's time shared by its
    symbols' fills: a look-up is a fraction of a parse, and a column's calls
    spare a generator's step per fill. Texts equal only when alike (other values
    could compare equal across types: ``1 == 1.0``, so they are typed one at a
    time). The typed values are immutable: sharing them is reading them again.
    """
    if set(map(type, column)) != _TEXT_ONLY:
        return list(map(typed, column))
    if typed is str:
        return list(column)
    found = {value: typed(value) for value in dict.fromkeys(column)}
    return list(map(found.__getitem__, column))


#: How each of :data:`_FILL_FIELDS` is typed, in its order.
_FIELD_TYPES: tuple[Callable[[Any], Any], ...] = (
    str,
    _side,
    _decimal,
    _decimal,
    _decimal,
    export.utc,
)


def _typed_fields(
    columns: list[tuple[Any, ...]], done: Sequence[list[Any] | None] = ()
) -> tuple[list[Any], ...]:
    """The :data:`_FILL_FIELDS` ``columns`` typed (:func:`_typed_column`), in
    order; a column ``done`` already holds typed (not None) is taken as it is."""
    done = done or [None] * len(columns)
    return tuple(
        _typed_column(column, typed) if ready is None else ready
        for column, typed, ready in zip(columns, _FIELD_TYPES, done, strict=True)
    )


def _typed_and_spelled(
    names: list[str], columns: list[tuple[Any, ...]]
) -> tuple[dict[int, list[Any]], list[list[str]]]:
    """Each column's CSV cells (:func:`_column_speller`'s), in order, with the
    typed values of the columns typed on the way, by position.

    A time, quantity, price or fee column of texts only is typed a distinct
    text at a time and its cells spelled from those values, not parsed again:
    the time's is :func:`export.iso_utc`'s (``export.iso_utc_typed``), ``str``
    of the ``Decimal`` is :func:`_decimal_text`'s (a property test holds the
    cells and values to the general paths', errors included). The columns are
    spelled in order, as the general path spells them, so a bad batch raises
    what it raised.
    """
    typed: dict[int, list[Any]] = {}
    cells: list[list[str]] = []
    for at, (name, column) in enumerate(zip(names, columns, strict=True)):
        how = _TYPED_THEN_SPELLED.get(name)
        if how is None or set(map(type, column)) != _TEXT_ONLY:
            cells.append(_column_speller(name)(column))
            continue
        parse, spell = how
        found = {value: parse(value) for value in dict.fromkeys(column)}
        typed[at] = list(map(found.__getitem__, column))
        cells.append(spell(found, column))
    return typed, cells


def _decimals_spelled(found: dict[str, Decimal], column: tuple[str, ...]) -> list[str]:
    """:func:`_decimals_text` of a column of texts, from each text's ``Decimal``."""
    spelled = {value: str(number) for value, number in found.items()}
    return list(map(spelled.__getitem__, column))


def _times_spelled(found: dict[str, datetime], column: tuple[str, ...]) -> list[str]:
    """:func:`_times_text` of a column of texts, from each text's aware time (a
    spelling not kept yet is ``export.iso_utc_typed``'s, kept as
    :func:`_times_text` keeps it)."""
    known = _SPELLED_TIMES
    if len(known) + len(found) > _SPELLED_TIMES_KEPT:
        known.clear()
    spelled: dict[str, str] = {}
    for value, moment in found.items():
        text = known.get(value)
        if text is None:
            text = known[value] = export.iso_utc_typed(value, moment)
        spelled[value] = text
    # This column's own spellings: another thread may empty the kept ones.
    return list(map(spelled.__getitem__, column))


#: The fills' columns typed as they are spelled (:func:`_typed_and_spelled`):
#: how a text is typed, and how a column's cells are spelled from the typed
#: values of its distinct texts.
_TYPED_THEN_SPELLED: dict[
    str,
    tuple[Callable[[str], Any], Callable[[dict[str, Any], tuple[str, ...]], list[str]]],
] = {
    "qty": (_decimal, _decimals_spelled),
    "price": (_decimal, _decimals_spelled),
    "fee": (_decimal, _decimals_spelled),
    "filled_at": (export.utc, _times_spelled),
}


class FillRecords(Iterable[FillRecord]):
    """Fill rows (:class:`StoredRows`) read again as :class:`FillRecord`, in time order."""

    def __init__(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Wrap re-iterable fill rows (each pass streams them again)."""
        self._rows = rows

    def __iter__(self) -> Iterator[FillRecord]:
        if isinstance(self._rows, StoredFills):
            yield from self._rows.fill_records()
            return
        for row in self._rows:
            at = row["filled_at"]
            yield FillRecord(
                symbol=str(row["symbol"]),
                side=Side(str(row["side"])),
                qty=row["qty"],  # type: ignore[arg-type]
                price=row["price"],  # type: ignore[arg-type]
                fee=row["fee"],  # type: ignore[arg-type]
                filled_at=at
                if isinstance(at, datetime)
                else datetime.fromisoformat(str(at)),
            )
