"""Lot relief by FIFO, LIFO, highest cost and specific identification, by hand."""

from __future__ import annotations

from decimal import Decimal as D

from tests.unit.domain.books._fills import Tape
from tradecore.domain.books.holding_period import Term
from tradecore.domain.books.relief import ReliefMethod
from tradecore.domain.books.tax_lots import compute_books


def _three_buys_then_sell() -> Tape:
    tape = Tape()
    # Two months apart, so no buy is within 30 days of the sale (no wash sale).
    tape.buy("2024-01-02", 100, "10")  # x1
    tape.buy("2024-03-01", 100, "14")  # x2
    tape.buy("2024-05-01", 100, "12")  # x3
    tape.sell("2024-07-01", 150, "13")  # x4
    return tape


def test_fifo_sells_the_first_bought_first() -> None:
    books = compute_books(_three_buys_then_sell().fills)
    # 100 of x1 at 10 (gain 300) and 50 of x2 at 14 (loss 50).
    assert [(c.lot_id, c.qty, c.gain) for c in books.closed] == [
        ("x1", D(100), D(300)),
        ("x2", D(50), D(-50)),
    ]
    assert [(lot.lot_id, lot.qty, lot.basis) for lot in books.open_lots] == [
        ("x2", D(50), D(700)),
        ("x3", D(100), D(1200)),
    ]


def test_lifo_sells_the_last_bought_first() -> None:
    books = compute_books(_three_buys_then_sell().fills, method=ReliefMethod.LIFO)
    assert [(c.lot_id, c.qty, c.gain) for c in books.closed] == [
        ("x3", D(100), D(100)),
        ("x2", D(50), D(-50)),
    ]
    assert [(lot.lot_id, lot.qty) for lot in books.open_lots] == [
        ("x1", D(100)),
        ("x2", D(50)),
    ]


def test_hifo_sells_the_highest_cost_first() -> None:
    books = compute_books(_three_buys_then_sell().fills, method=ReliefMethod.HIFO)
    # x2 at 14 (loss 100), then 50 of x3 at 12 (gain 50).
    assert [(c.lot_id, c.qty, c.gain) for c in books.closed] == [
        ("x2", D(100), D(-100)),
        ("x3", D(50), D(50)),
    ]
    assert books.positions() == {"AAPL": D(150)}


def test_specific_identification_sells_the_named_lots_then_fifo() -> None:
    books = compute_books(
        _three_buys_then_sell().fills,
        method=ReliefMethod.SPECIFIC,
        identified={"x4": ["x3"]},
    )
    assert [(c.lot_id, c.qty, c.gain) for c in books.closed] == [
        ("x3", D(100), D(100)),
        ("x1", D(50), D(150)),
    ]


def test_fees_go_into_basis_and_out_of_proceeds_pro_rata() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "10", fee="1")
    tape.buy("2024-01-03", 100, "11", fee="1")
    tape.sell("2024-01-04", 150, "12", fee="3")  # both at a gain: no wash sale
    books = compute_books(tape.fills)
    first, second = books.closed
    assert (first.proceeds, first.cost_basis) == (D(1198), D(1001))
    assert (second.proceeds, second.cost_basis) == (D(599), D("550.5"))
    assert books.open_lots[0].basis == D("550.5")


def test_a_sell_through_zero_opens_a_short_lot_and_a_buy_covers_it() -> None:
    tape = Tape()
    tape.buy("2024-03-01", 10, "50")
    tape.sell("2024-03-04", 30, "55")  # closes 10, opens a 20-share short
    tape.buy("2024-06-03", 20, "40")  # covers the short at a gain
    books = compute_books(tape.fills)
    long_close, short_close = books.closed
    assert long_close.gain == D(50)
    assert short_close.short
    assert (short_close.proceeds, short_close.cost_basis) == (D(1100), D(800))
    assert short_close.gain == D(300)
    assert short_close.term is Term.SHORT
    # Form 8949: a short sale's dates are both the day the short was closed.
    assert short_close.acquired == short_close.sold == short_close.closed
    assert books.positions() == {}
