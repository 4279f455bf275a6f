"""From an allocation to the targets sent: sleeve caps, and increases within cash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradecore.domain.portfolio import (
    AllocationRequest,
    Constraints,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
    allocate,
)
from tradecore.domain.strategies.portfolio_book import (
    free_cash,
    opened,
    split_targets,
    within_cash,
)
from tradecore.domain.strategies.sleeve_limits import SleeveLimits

D = Decimal
PRICES = {"AAA": 100.0, "BBB": 50.0}


def test_opened_is_the_part_of_a_move_that_adds_exposure() -> None:
    assert opened(D(100), D(40)) == 60
    assert opened(D(-30), D(0)) == -30  # a short from flat
    assert opened(D(-30), D(50)) == -30  # a flip: the part past flat
    assert opened(D(20), D(50)) == 0  # a reduction
    assert opened(D(-10), D(-40)) == 0


def test_increases_are_scaled_to_the_cash_and_reductions_go_whole() -> None:
    book = {"AAA": D(100), "BBB": D(-100), "CCC": D(0)}
    held = {"AAA": D(0), "BBB": D(0), "CCC": D(10)}
    prices = {**PRICES, "CCC": 10.0}
    steps, cut = within_cash(book, held, prices, cash=7_600.0, lot=1)
    # need $10,000 + $5,000; usable 0.95 * 7,600 = 7,220: each increase x 0.4813
    assert cut
    assert steps == {"AAA": D(48), "BBB": D(-48), "CCC": D(0)}
    same, cut = within_cash(book, held, prices, cash=1e6, lot=1)
    assert (same, cut) == (book, False)


def test_free_cash_holds_back_short_proceeds_and_collateral() -> None:
    assert free_cash(20_000.0, {"AAA": D(10), "BBB": D(-40)}, PRICES) == 16_000.0


def test_split_targets_caps_one_strategy_and_keeps_the_others_share() -> None:
    market = MarketInputs(
        symbols=("AAA", "BBB"),
        returns=[[0.0, 0.0]],
        prices={"AAA": D(100), "BBB": D(50)},
        equity=D(100_000),
    )
    allocation = allocate(
        AllocationRequest(
            sleeves=[
                Sleeve("a", 1.0, SignalKind.SHARES, {"AAA": D(1)}),
                Sleeve("b", 1.0, SignalKind.SHARES, {"AAA": D(1), "BBB": D(1)}),
            ],
            market=market,
            method=Method.EQUAL_WEIGHT,
            constraints=Constraints(gross_target=1.0),
        )
    )
    # AAA: a 0.5 + b 0.25 of equity = 750 shares; BBB: b 0.25 = 500 shares
    limits = {"a": SleeveLimits(max_position_shares=100)}
    targets, splits = split_targets(allocation, 100_000.0, PRICES, limits, lot=1)
    assert targets == {"AAA": D(350), "BBB": D(500)}
    assert splits["AAA"] == {"a": pytest.approx(100.0), "b": pytest.approx(250.0)}
    free, _ = split_targets(allocation, 100_000.0, PRICES, {}, lot=1)
    assert free == {"AAA": D(750), "BBB": D(500)}
