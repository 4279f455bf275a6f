"""Bundled strategies: signals, targets and parameter checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.strategies import Momentum, SmaCross

MINUTE = 60_000_000_000


class Book:
    def __init__(self, positions: dict[str, Decimal] | None = None) -> None:
        self.positions = positions or {}

    def position(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, Decimal(0))

    def equity(self) -> float:
        return 100_000.0


def test_sma_cross_goes_long_on_an_up_cross_and_flat_on_a_down_cross() -> None:
    strategy = SmaCross(fast=2, slow=3, qty=10)
    prices = [10.0, 10.0, 10.0, 12.0, 13.0, 9.0, 8.0]
    emitted = []
    for i, price in enumerate(prices):
        for target in strategy.on_bar("AAA", i * MINUTE, price, 0.0, Book()):
            emitted.append((i, target.qty))
    assert emitted == [(3, Decimal(10)), (5, Decimal(0))]


def test_sma_cross_ties_keep_the_current_state() -> None:
    strategy = SmaCross(fast=2, slow=3, qty=10)
    for i in range(10):
        assert strategy.on_bar("AAA", i * MINUTE, 10.0, 0.0, Book()) == ()


def test_sma_cross_rejects_bad_windows() -> None:
    with pytest.raises(InvalidInput, match="fast"):
        SmaCross(fast=30, slow=10)


def test_momentum_holds_the_top_k_and_sells_before_it_buys() -> None:
    strategy = Momentum(lookback=2, top_k=1, rebalance_minutes=3, gross=0.5)
    book = Book({"AAA": Decimal(100)})
    paths = {"AAA": [10.0, 10.0, 9.0, 8.0], "BBB": [10.0, 11.0, 12.0, 13.0]}
    targets = []
    for i in range(4):
        for symbol in ("AAA", "BBB"):
            targets += strategy.on_bar(symbol, i * MINUTE, paths[symbol][i], 0.0, book)
    # The rebalance fires on the first bar at t=3 (AAA's); BBB's latest known close
    # is then its t=2 close, 12.0 (point in time: its t=3 bar has not been seen yet).
    assert [(t.symbol, t.qty) for t in targets] == [
        ("AAA", Decimal(0)),
        ("BBB", Decimal(int(50_000 / 12.0))),
    ]
