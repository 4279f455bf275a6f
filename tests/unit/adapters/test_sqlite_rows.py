"""The hand-written SQLite flush writes exactly the rows SQLAlchemy writes.

A small replay runs twice: once through :mod:`tradecore.adapters.sqlstore.sqlite_rows`
(the default on SQLite) and once with the write-behind store forced onto the
SQLAlchemy ``executemany`` path. Every column of every order-path table must match.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tradecore.adapters.sqlstore import sqlite_rows
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.apps.replay.runner import replay
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.datagen import generate_bars

TABLES = {
    "intents": "client_order_id",
    "fills": "execution_id",
    "decisions": "decision_id",
    "outcomes": "decision_id",
}


def _rows(db: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(db) as connection:
        return {
            table: connection.execute(
                f"SELECT * FROM {table} ORDER BY {key}"
            ).fetchall()
            for table, key in TABLES.items()
        }


def _replay(out: Path) -> dict[str, list[tuple[object, ...]]]:
    frames = generate_bars(
        ["AAA", "BBB"],
        1_500,
        start=datetime(2026, 3, 5, 14, 30, tzinfo=UTC),  # across the DST switch
        seed=11,
        calendar=xnys(),
    )
    replay(frames, "sma_cross", {"fast": 5, "slow": 20, "qty": 7}, out=out)
    return _rows(out / "replay.db")


def test_the_raw_flush_writes_what_sqlalchemy_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _replay(tmp_path / "raw")
    original = WriteBehindStore.__init__

    def sqlalchemy_only(self: WriteBehindStore, sql: object) -> None:
        original(self, sql)  # type: ignore[arg-type]
        self.intent_rows = None

    monkeypatch.setattr(WriteBehindStore, "__init__", sqlalchemy_only)
    reference = _replay(tmp_path / "sqlalchemy")
    assert len(raw["fills"]) > 20  # the replay traded
    for table in TABLES:
        assert raw[table] == reference[table], table


def test_timestamps_are_naive_utc_text_with_microseconds() -> None:
    new_york = timezone(timedelta(hours=-5))
    at = datetime(2026, 3, 6, 9, 30, 0, 5, tzinfo=new_york)
    assert sqlite_rows.timestamp(at) == "2026-03-06 14:30:00.000005"
    assert sqlite_rows.timestamp(at.astimezone(UTC)) == "2026-03-06 14:30:00.000005"


def test_a_naive_timestamp_or_a_non_finite_decimal_is_refused() -> None:
    with pytest.raises(InvalidInput, match="naive"):
        sqlite_rows.timestamp(datetime(2026, 3, 6, 9, 30))
    with pytest.raises(InvalidInput, match="finite"):
        sqlite_rows._decimal(Decimal("NaN"))
