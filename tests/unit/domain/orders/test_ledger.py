"""Position ledger arithmetic: buys, sells, partials, flips, shorts and fees, exactly."""

from __future__ import annotations

from decimal import Decimal as D

from tests.factories import T0
from tradecore.domain import Fill, Ledger, Side


def fill(side: Side, qty: str, price: str, fee: str = "0", n: int = 0) -> Fill:
    return Fill(
        execution_id=f"e{n}-{side}-{qty}-{price}",
        client_order_id="c",
        symbol="AAPL",
        side=side,
        qty=D(qty),
        price=D(price),
        fee=D(fee),
        filled_at=T0,
    )


B, S = Side.BUY, Side.SELL


def test_buy_then_partial_sell_realizes_against_average_cost() -> None:
    ledger = Ledger.opening(D(10_000)).apply_all(
        [fill(B, "10", "100"), fill(B, "10", "110"), fill(S, "5", "120")]
    )
    holding = ledger.holdings["AAPL"]
    assert holding.qty == 15
    assert holding.avg_price == D(105)
    assert ledger.realized_pnl == D(75)  # 5 * (120 - 105)
    assert ledger.cash == D(10_000) - 1000 - 1100 + 600


def test_flip_through_zero_opens_the_remainder_at_the_fill_price() -> None:
    ledger = Ledger.opening(D(0)).apply_all([fill(B, "10", "100"), fill(S, "15", "90")])
    holding = ledger.holdings["AAPL"]
    assert holding.qty == -5
    assert holding.avg_price == D(90)
    assert ledger.realized_pnl == D(-100)


def test_short_cover_realizes_gain_when_price_falls() -> None:
    ledger = Ledger.opening(D(0)).apply_all([fill(S, "10", "50"), fill(B, "4", "40")])
    assert ledger.position("AAPL") == -6
    assert ledger.realized_pnl == D(40)
    assert ledger.cash == D(500) - D(160)


def test_fees_reduce_cash_and_realized_pnl() -> None:
    ledger = Ledger.opening(D(1000)).apply_all(
        [fill(B, "1", "100", fee="0.35"), fill(S, "1", "100", fee="0.40")]
    )
    assert ledger.position("AAPL") == 0
    assert ledger.realized_pnl == D("-0.75")
    assert ledger.fees == D("0.75")
    assert ledger.cash == D("999.25")
    assert ledger.positions() == []


def test_partial_reduction_keeps_the_books_exact_with_repeating_decimals() -> None:
    ledger = Ledger.opening(D(0)).apply_all(
        [
            fill(B, "3", "100"),
            fill(B, "3", "100.01"),
            fill(S, "1", "101"),
            fill(S, "5", "99"),
        ]
    )
    assert ledger.position("AAPL") == 0
    # Flat: realized P&L is exactly proceeds minus cost.
    assert ledger.realized_pnl == D(101 + 5 * 99) - D("600.03")
    assert ledger.equity({}) == ledger.cash


def test_equity_marks_open_positions() -> None:
    ledger = Ledger.opening(D(1000)).apply(fill(B, "2", "100"))
    assert ledger.equity({"AAPL": D(110)}) == D(1020)
    assert ledger.unrealized_pnl({"AAPL": D(110)}) == D(20)
