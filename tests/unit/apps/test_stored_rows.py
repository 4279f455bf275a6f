"""A replay's report tables, streamed from its store file, match its records.

``StoredRows`` reads the SQLite file with the driver (no domain objects); the rows
must be the records the store's repositories return, in their order, spelled as
the report always spelled them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.calendars import xnys
from tradecore.adapters.report import html_page
from tradecore.adapters.report.analysis import fill_views
from tradecore.adapters.report.regime_section import regime_section
from tradecore.adapters.report.tables import write_rows_csv
from tradecore.adapters.sqlstore import export, open_store
from tradecore.apps.replay.records import FillRecords, StoredFills, StoredRows
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.datagen import generate_bars


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay")
    frames = generate_bars(
        ["AAA", "BBB"],
        1_200,
        start=datetime(2026, 10, 28, 13, 30, tzinfo=UTC),  # across the DST switch
        seed=5,
        calendar=xnys(),
    )
    replay(frames, "sma_cross", {"fast": 5, "slow": 20, "qty": 3}, out=out)
    return out


def test_rows_are_the_stores_records_in_its_order(finished: Path) -> None:
    db = finished / "replay.db"
    store = open_store(f"sqlite:///{db}")
    try:
        with store.unit_of_work() as uow:
            fills = list(uow.fills.all())
            decisions = list(uow.decisions.all_decisions())
            outcomes = list(uow.decisions.all_outcomes())
    finally:
        store.close()
    assert len(fills) > 10
    assert list(StoredRows(db, "fills")) == [
        {
            "filled_at": f.filled_at.isoformat(),
            "symbol": f.symbol,
            "side": f.side.value,
            "qty": f.qty,
            "price": f.price,
            "fee": f.fee,
            "client_order_id": f.client_order_id,
            "execution_id": f.execution_id,
        }
        for f in fills
    ]
    assert list(StoredRows(db, "decisions")) == [
        {
            "decision_id": d.decision_id,
            "decided_at": d.decided_at.isoformat(),
            "strategy_id": d.strategy_id,
            "symbol": d.symbol,
            "inputs_hash": d.inputs_hash,
            "config_hash": d.config_hash,
            "details": json.dumps(d.details, sort_keys=True, default=str),
        }
        for d in decisions
    ]
    assert list(StoredRows(db, "outcomes")) == [
        {
            "decision_id": o.decision_id,
            "kind": o.kind.value,
            "reason": o.reason or "",
            "client_order_id": o.client_order_id or "",
            "recorded_at": o.recorded_at.isoformat(),
        }
        for o in outcomes
    ]


def test_rows_index_and_slice_like_a_list(finished: Path) -> None:
    table = StoredRows(finished / "replay.db", "fills")
    whole = list(table)
    assert len(table) == len(whole)
    assert table[:3] == whole[:3]
    assert table[2:7:2] == whole[2:7:2]
    assert table[-1] == whole[-1]
    assert table[len(whole) :] == []
    with pytest.raises(IndexError):
        table[len(whole)]


def test_the_report_csv_holds_every_row(finished: Path) -> None:
    lines = (finished / "fills.csv").read_text().splitlines()
    assert len(lines) == 1 + len(StoredRows(finished / "replay.db", "fills"))
    assert lines[0].split(",")[:3] == ["filled_at", "symbol", "side"]


@pytest.mark.parametrize("table", ["fills", "decisions", "outcomes", "orders"])
def test_the_csv_fast_path_writes_what_the_row_path_writes(
    finished: Path, tmp_path: Path, table: str
) -> None:
    # The report spells stored rows straight from the driver's tuples; the text
    # must be what shaping each row and formatting its cells gives.
    rows = StoredRows(finished / "replay.db", table)
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    write_rows_csv(fast, rows)
    write_rows_csv(slow, list(rows))  # a plain list: the general path
    assert len(rows) > 10
    assert fast.read_bytes() == slow.read_bytes()


def test_stored_fills_read_as_the_rows_read(finished: Path) -> None:
    # The round trips and trade statistics read stored fills straight from the
    # driver's tuples; the values must be what reading the shaped rows gives
    # (a zero fee stored as "0.00" reads as Decimal(0) in a view, as before).
    db = finished / "replay.db"
    rows = list(StoredRows(db, "fills"))
    stored = StoredFills(db)
    assert len(rows) > 10
    views = list(stored.fill_views())
    assert views == fill_views(rows)
    assert [str(v.fee) for v in views] == [str(v.fee) for v in fill_views(rows)]
    assert list(FillRecords(stored)) == list(FillRecords(rows))
    assert [str(r.fee) for r in FillRecords(stored)] == [
        str(r.fee) for r in FillRecords(rows)
    ]


def test_fills_copied_while_read_are_the_csv_write_rows_csv_writes(
    finished: Path, tmp_path: Path
) -> None:
    # The trades pass writes fills.csv from its own read of the fills: the file
    # must be what writing the table on its own gives, the views unchanged.
    db = finished / "replay.db"
    alone, copy = tmp_path / "alone.csv", tmp_path / "copy.csv"
    write_rows_csv(alone, StoredRows(db, "fills"))
    stored = StoredFills(db)
    stored.copy_while_read(copy)
    assert not stored.copied()
    views = list(stored.fill_views())
    stored.copy_while_read(None)
    assert stored.copied()
    assert views == list(StoredFills(db).fill_views())
    assert copy.read_bytes() == alone.read_bytes()


def test_a_read_overtaken_or_left_unfinished_is_not_a_copy(
    finished: Path, tmp_path: Path
) -> None:
    # A read abandoned half way (the trades pass reading again, sorted) leaves
    # the copy to the read after it; one that never finishes leaves none.
    db = finished / "replay.db"
    alone, copy = tmp_path / "alone.csv", tmp_path / "copy.csv"
    write_rows_csv(alone, StoredRows(db, "fills"))
    stored = StoredFills(db)
    stored.copy_while_read(copy)
    first = stored.fill_views()
    next(iter(first))
    assert list(stored.fill_views())  # a second read, whole
    assert list(first)  # the first, resumed, writes nothing more
    stored.copy_while_read(None)
    assert stored.copied()
    assert copy.read_bytes() == alone.read_bytes()
    stored.copy_while_read(copy)
    next(iter(stored.fill_views()))
    stored.copy_while_read(None)
    assert not stored.copied()


def test_raw_columns_tally_and_parse_as_the_rows(finished: Path) -> None:
    db = finished / "replay.db"
    decisions, outcomes = StoredRows(db, "decisions"), StoredRows(db, "outcomes")
    parsed = [json.loads(str(text)) for text in decisions.raw_column("details")]
    assert parsed == [json.loads(str(row["details"])) for row in decisions]
    assert list(outcomes.raw_column("kind")) == [row["kind"] for row in outcomes]
    assert html_page._breakdown(outcomes) == html_page._breakdown(list(outcomes))
    assert regime_section(decisions, StoredFills(db)) == regime_section(
        list(decisions), list(StoredRows(db, "fills"))
    )


@pytest.mark.parametrize("table", ["fills", "decisions", "outcomes", "orders"])
def test_one_column_reads_in_the_rows_order(finished: Path, table: str) -> None:
    db = finished / "replay.db"
    names = export.columns(db, table)
    whole = list(export.tuples(db, table))
    assert len(whole) > 10
    for at, name in enumerate(names):
        assert list(export.column(db, table, name)) == [row[at] for row in whole]
    with pytest.raises(ValueError, match="no column"):
        list(export.column(db, table, "no_such_column"))
    # Two columns read together are the two read alone, row for row.
    first, last = names[0], names[-1]
    assert list(StoredRows(db, table).raw_columns(first, last)) == [
        (row[0], row[-1]) for row in whole
    ]
    with pytest.raises(ValueError, match="no column"):
        list(export.column_tuples(db, table, (first, "no_such_column")))


def test_a_finished_replay_leaves_its_store_as_one_file(tmp_path: Path) -> None:
    """Read-only readers of a WAL file made -wal/-shm they could not remove."""
    frames = generate_bars(
        ["AAA"], 300, start=datetime(2026, 3, 2, 14, 30, tzinfo=UTC), seed=3
    )
    replay(frames, "sma_cross", {"fast": 5, "slow": 20, "qty": 3}, out=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("replay.db*")) == ["replay.db"]
    assert export.count(tmp_path / "replay.db", "fills") > 0
    assert sorted(p.name for p in tmp_path.glob("replay.db*")) == ["replay.db"]


def test_seal_gives_way_to_a_connection_still_open(tmp_path: Path) -> None:
    db = tmp_path / "held.db"
    store = open_store(f"sqlite:///{db}", upgrade=True)
    try:
        with store.unit_of_work() as uow:
            assert uow.intents.all() == []  # holds a pooled connection open
        assert export.seal(db) is False
    finally:
        store.close()
    assert export.seal(db) is True
    reopened = open_store(f"sqlite:///{db}", upgrade=True)  # WAL again, as --resume
    try:
        with reopened.unit_of_work() as uow:
            assert uow.intents.all() == []
    finally:
        reopened.close()


def test_reads_while_reading_share_one_connection_and_interleave(
    finished: Path,
) -> None:
    """A replay's end reads its store file through one connection (``reading``):
    the reads give what they give alone, two tables read side by side included,
    and the connection is gone after the block."""
    db = finished / "replay.db"
    alone = (list(export.tuples(db, "fills")), list(export.tuples(db, "decisions")))
    opened: list[object] = []
    real = export._connect

    def counted(path: Path) -> object:
        opened.append(path)
        return real(path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "_connect", counted)
        with export.reading(db), export.reading(db):  # nested: the outer serves
            fills, decisions = (
                export.tuples(db, "fills"),
                export.tuples(db, "decisions"),
            )
            together = list(zip(fills, decisions, strict=False))
            rest = list(fills), list(decisions)
            assert export.count(db, "fills") == len(alone[0])
        assert len(opened) == 1
        assert [f for f, _ in together] + rest[0] == alone[0]
        assert [d for _, d in together] + rest[1] == alone[1]
        assert export.count(db, "fills") == len(alone[0])  # its own connection again
        assert len(opened) == 2
