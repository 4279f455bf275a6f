"""FIFO round trips, win rate, profit factor and exposure on hand-built fills."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.trades import (
    exposure,
    round_trips,
    trade_statistics,
)

T = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def fill(
    minute: int, side: str, qty: str, price: str, fee: str = "0", symbol: str = "AAA"
) -> Fill:
    return Fill(
        execution_id=f"x{minute}{symbol}{side}",
        client_order_id=f"c{minute}{symbol}{side}",
        symbol=symbol,
        side=Side(side),
        qty=Decimal(qty),
        price=Decimal(price),
        fee=Decimal(fee),
        filled_at=T + timedelta(minutes=minute),
    )


def test_fifo_matches_oldest_lots_first_per_closing_fill() -> None:
    fills = [
        fill(0, "buy", "100", "10", fee="1"),
        fill(1, "buy", "100", "12", fee="1"),
        fill(2, "sell", "150", "13", fee="3"),  # closes lot 1 and half of lot 2
        fill(3, "sell", "50", "9", fee="1"),  # closes the rest of lot 2
    ]
    first, second = round_trips(fills)
    assert first.qty == 150
    assert first.direction == 1
    assert first.entry_price == (100 * 10 + 50 * 12) / Decimal(150)
    assert first.opened_at == T
    assert first.fees == Decimal("1") + Decimal("0.5") + Decimal("3")
    assert first.pnl == 150 * 13 - (1000 + 600) - Decimal("4.5")
    assert second.qty == 50
    assert second.entry_price == 12
    assert second.opened_at == T + timedelta(minutes=1)
    assert second.pnl == 50 * (9 - 12) - Decimal("0.5") - Decimal("1")


def test_a_reversal_closes_then_opens_the_other_way() -> None:
    fills = [
        fill(0, "buy", "100", "10", fee="2"),
        fill(1, "sell", "300", "11", fee="3"),  # closes 100 long, opens 200 short
        fill(2, "buy", "200", "9", fee="1"),
    ]
    long, short = round_trips(fills)
    assert (long.direction, long.qty) == (1, 100)
    assert long.pnl == 100 * 1 - 2 - 1  # a third of the reversing fill's fee
    assert (short.direction, short.qty, short.entry_price) == (-1, 200, 11)
    assert short.pnl == 200 * 2 - 2 - 1
    assert short.opened_at == T + timedelta(minutes=1)


def test_symbols_are_matched_separately() -> None:
    fills = [
        fill(0, "buy", "10", "5", symbol="AAA"),
        fill(1, "sell", "10", "7", symbol="BBB"),
        fill(2, "sell", "10", "6", symbol="AAA"),
        fill(3, "buy", "10", "8", symbol="BBB"),
    ]
    trips = list(round_trips(fills))
    assert [(t.symbol, t.direction, t.pnl) for t in trips] == [
        ("AAA", 1, Decimal(10)),
        ("BBB", -1, Decimal(-10)),
    ]


def test_round_trips_need_time_order() -> None:
    with pytest.raises(InvalidInput):
        list(round_trips([fill(1, "buy", "1", "1"), fill(0, "sell", "1", "1")]))


def test_trade_statistics() -> None:
    fills = [
        fill(0, "buy", "10", "10"),
        fill(1, "sell", "10", "13"),  # +30
        fill(2, "buy", "10", "10"),
        fill(3, "sell", "10", "9"),  # -10
        fill(4, "buy", "10", "10"),
        fill(5, "sell", "10", "10"),  # 0: not a win
        fill(6, "buy", "10", "10"),
        fill(7, "sell", "10", "12"),  # +20
    ]
    stats = trade_statistics(round_trips(fills))
    assert stats.round_trips == 4
    assert stats.wins == 2
    assert stats.win_rate == 0.5
    assert stats.profit_factor == 5.0
    assert (stats.gross_profit, stats.gross_loss) == (50, 10)
    empty = trade_statistics([])
    assert empty.round_trips == 0
    assert math.isnan(empty.win_rate)
    assert math.isnan(empty.profit_factor)
    only_wins = trade_statistics(round_trips(fills[:2]))
    assert only_wins.profit_factor == math.inf


def test_exposure_counts_points_with_an_open_position() -> None:
    minute = 60 * 1_000_000_000
    start = int(T.timestamp()) * 1_000_000_000
    stamps = start + np.arange(10, dtype=np.int64) * minute
    fills = [
        fill(2, "buy", "10", "10"),  # open from point 2
        fill(4, "buy", "5", "10", symbol="BBB"),
        fill(5, "sell", "10", "10"),  # AAA flat, BBB still open
        fill(7, "sell", "5", "10", symbol="BBB"),  # flat from point 7
    ]
    assert exposure(stamps, fills) == pytest.approx(5 / 10)
    assert exposure(stamps, []) == 0.0
    assert math.isnan(exposure([], fills))
