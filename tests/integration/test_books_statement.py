"""``books reconcile`` through the real Alpaca adapter against the emulator.

Two market orders fill at the emulator; the adapter hears the fills on its stream.
The broker's statement (``GET /v2/account/activities/FILL``, read by the adapter)
names the same executions, so a store holding both fills is clean; a store that
missed one and holds one the broker never made lists both, and the position
difference they leave.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.factories import key
from tests.risk_support import sqlite_store
from tradecore.domain.books.events import trade_date
from tradecore.domain.books.relief import ReliefMethod
from tradecore.domain.books.statement import (
    MISSING_AT_BROKER,
    MISSING_IN_BOOKS,
    POSITION_DIFFERS,
)
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.services.books.history import read_history
from tradecore.services.books.statement_check import check_statement


@pytest.fixture(scope="module")
def traded() -> Iterator[tuple[AlpacaHarness, list[Fill]]]:
    h = AlpacaHarness("ideal")
    try:
        for n, qty in enumerate((10, 5), start=1):
            spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(qty))
            h.broker.submit(f"books-{n}", spec)
        h.feed_bar(open=100.0, high=100.5, low=99.5, close=100.2)
        fills = [e.fill for e in h.drain() if e.fill is not None]
        assert len(fills) == 2
        yield h, fills
    finally:
        h.close()


def _order_of(fill: Fill, n: int) -> OrderIntent:
    spec = OrderSpec(symbol=fill.symbol, side=fill.side, qty=fill.qty)
    made = OrderIntent.create(
        key(qty=fill.qty, signal_hash=f"s{n}"), spec, decided_at=fill.filled_at
    )
    return attrs.evolve(made, client_order_id=fill.client_order_id)


def _check(h: AlpacaHarness, fills: list[Fill], db: Path) -> list[str]:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            for n, fill in enumerate(fills):
                uow.intents.create(_order_of(fill, n))
                uow.fills.record(fill)
            uow.commit()
        history = read_history(store)
    finally:
        store.close()
    books = history.books(ReliefMethod.FIFO)
    day = trade_date(fills[0].filled_at)
    found = check_statement(history, books, h.broker, h.broker.positions(), day)
    return [f"{d.kind} {d.key} {d.ours} | {d.theirs}" for d in found]


def test_the_books_agree_with_the_brokers_statement(
    traded: tuple[AlpacaHarness, list[Fill]], tmp_path: Path
) -> None:
    h, fills = traded
    assert _check(h, fills, tmp_path / "clean.db") == []


def test_a_missed_fill_and_a_phantom_fill_are_listed(
    traded: tuple[AlpacaHarness, list[Fill]], tmp_path: Path
) -> None:
    h, fills = traded
    first, second = fills
    phantom = Fill(
        execution_id="phantom-1",
        client_order_id="books-9",
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(3),
        price=Decimal(100),
        filled_at=first.filled_at + timedelta(seconds=1),
    )
    found = _check(h, [first, phantom], tmp_path / "drift.db")
    assert found == [
        f"{MISSING_AT_BROKER} phantom-1 buy 3 AAPL @ 100 | ",
        f"{MISSING_IN_BOOKS} {second.execution_id}  | "
        f"buy 5 AAPL @ {second.price.normalize():f}",
        f"{POSITION_DIFFERS} AAPL 13 | 15",
    ]


def test_another_days_fills_are_not_the_days_statement(
    traded: tuple[AlpacaHarness, list[Fill]],
) -> None:
    h, fills = traded
    later = fills[0].filled_at + timedelta(days=1)
    start = datetime(later.year, later.month, later.day, 5, tzinfo=UTC)
    assert h.broker.statement_fills(start, start + timedelta(hours=24)) == []
    whole = h.broker.statement_fills(
        fills[0].filled_at - timedelta(hours=1), fills[-1].filled_at + timedelta(1)
    )
    assert whole is not None
    assert [f.execution_id for f in whole] == [f.execution_id for f in fills]
