"""Whole lots: positions round toward zero; under a binding turnover limit a
reduction's trade rounds toward zero instead, and increases are trimmed to keep
the gross."""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.portfolio.lots import round_position, to_shares, trim_to_gross

E = Decimal(10_000)


def test_positions_round_toward_zero_in_lots() -> None:
    assert round_position(0.1234, Decimal(10), E, 10) == Decimal(120)
    assert round_position(-0.1234, Decimal(10), E, 10) == Decimal(-120)
    assert round_position(0.0009, Decimal(10), E, 1) == Decimal(0)


def test_a_bound_reduction_rounds_its_trade_not_its_position() -> None:
    # want 41.9 shares from 100: the position toward zero (41) sells 59 > 58.1
    assert to_shares(0.419, Decimal(100), Decimal(100), E, 1, False) == Decimal(41)
    assert to_shares(0.419, Decimal(100), Decimal(100), E, 1, True) == Decimal(42)
    # an increase rounds toward zero either way
    assert to_shares(0.419, Decimal(10), Decimal(100), E, 1, True) == Decimal(41)


def test_trim_takes_lots_from_increases_only() -> None:
    prices = {"AAA": Decimal(1), "BBB": Decimal(1)}
    trimmed = trim_to_gross(
        {"AAA": Decimal(2500), "BBB": Decimal(7501)},
        {"BBB": Decimal(9999)},
        prices,
        Decimal(10_000),
        1,
    )
    assert trimmed == {"AAA": Decimal(2499), "BBB": Decimal(7501)}


def test_trim_never_crosses_the_holding() -> None:
    prices = {"AAA": Decimal(1)}
    trimmed = trim_to_gross(
        {"AAA": Decimal(-120)}, {"AAA": Decimal(-100)}, prices, Decimal(50), 10
    )
    assert trimmed == {"AAA": Decimal(-100)}
