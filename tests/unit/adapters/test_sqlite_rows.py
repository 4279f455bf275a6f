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
        sqlite_rows.decimal_text(Decimal("NaN"))


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 6, 14, 30, tzinfo=UTC),  # no microseconds
        datetime(2026, 3, 6, 14, 30, 0, 5, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC),  # a three-digit year
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
    ],
)
def test_a_utc_timestamp_is_the_formatted_text(at: datetime) -> None:
    """The plain-UTC shortcut writes the characters the general path writes."""
    new_york = timezone(timedelta(hours=-5))
    expected = (
        f"{at.year:04d}-{at.month:02d}-{at.day:02d} "
        f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}.{at.microsecond:06d}"
    )
    assert sqlite_rows.timestamp(at) == expected
    if at != datetime.min.replace(tzinfo=UTC):
        assert sqlite_rows.timestamp(at.astimezone(new_york)) == expected


def _specs() -> list[object]:
    from tradecore.domain.orders.spec import Bracket, OrderSpec, OrderType, Side

    return [
        OrderSpec(symbol="AAA", side=Side.BUY, qty=Decimal("100")),
        OrderSpec(
            symbol="BBB",
            side=Side.SELL,
            qty=Decimal("7.50"),
            order_type=OrderType.LIMIT,
            limit_price=Decimal("187.25"),
            bracket=Bracket(
                take_profit_limit=Decimal("180.5"), stop_loss_stop=Decimal("190")
            ),
        ),
    ]


@pytest.mark.parametrize(
    "value",
    [
        {},
        (),
        ("x-1", "x-2"),
        {"ack": "received"},
        {"b": 1, "a": [1.5, None, True], "ü": 'é\n"', "n": {"z": 0, "y": -2}},
        {"price": Decimal("1.10")},  # not plain JSON: through the converter
        ["a", (1, 2)],
        *_specs(),
    ],
)
def test_the_json_columns_are_to_json(value: object) -> None:
    """The flush's encoder writes exactly what :func:`codec.to_json` writes."""
    from tradecore.adapters.sqlstore.codec import to_json

    assert sqlite_rows.json_text(value) == to_json(value)


def test_what_has_no_json_form_is_refused_as_to_json_refuses() -> None:
    """NaN and unknown objects raise ``to_json``'s InvalidInput; a cycle, its
    RecursionError (the converter's, which ``to_json`` lets through)."""
    for value in ({"x": float("nan")}, {"x": object()}):
        with pytest.raises(InvalidInput):
            sqlite_rows.json_text(value)
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(RecursionError):
        sqlite_rows.json_text(cycle)
