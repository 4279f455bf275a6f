"""Wash sales (IRC section 1091, IRS Pub. 550) against hand-computed cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tests.unit.domain.books._fills import Tape
from tradecore.domain.books.form_8949 import rows_for_year
from tradecore.domain.books.holding_period import Term
from tradecore.domain.books.tax_lots import compute_books


def test_a_loss_sale_in_december_rebought_in_january_is_a_wash_sale() -> None:
    tape = Tape()
    tape.buy("2024-06-03", 100, "50")
    tape.sell("2024-12-20", 100, "40")  # loss 1,000
    tape.buy("2025-01-05", 100, "42")  # 16 days later, the next year
    tape.sell("2025-06-20", 100, "60")
    books = compute_books(tape.fills)
    loss_sale, later = books.closed
    assert loss_sale.proceeds - loss_sale.cost_basis == D(-1000)
    assert loss_sale.wash_disallowed == D(1000)
    assert loss_sale.gain == 0
    (wash,) = books.wash_sales
    assert (wash.replacement_fill, wash.qty, wash.disallowed) == ("x3", D(100), D(1000))
    # The replacement carries the loss (4,200 + 1,000) and the sold lot's 200 days:
    # Jan 5 2025 minus 200 days is Jun 19 2024.
    assert later.cost_basis == D(5200)
    assert later.acquired == date(2024, 6, 19)
    assert later.gain == D(800)
    # Held from Jun 19 2024 to Jun 20 2025: more than a year, so long-term.
    assert later.term is Term.LONG
    (row_2024,) = rows_for_year(books.closed, 2024)
    assert row_2024 == (
        "100 sh AAPL", "06/03/2024", "12/20/2024", "4000.00", "5000.00",
        "W", "1000.00", "0.00", "short",
    )  # fmt: skip


def test_the_wash_adjustment_waits_in_an_open_replacement_lot() -> None:
    tape = Tape()
    tape.buy("2024-06-03", 100, "50")
    tape.sell("2024-12-20", 100, "40")
    tape.buy("2025-01-05", 100, "42")
    books = compute_books(tape.fills)
    (lot,) = books.open_lots
    assert (lot.basis, lot.wash_adjustment, lot.replacement) == (D(5200), D(1000), True)
    assert books.deferred_wash() == D(1000)
    # The as-of date matters: on Dec 31 the January buy has not happened.
    assert compute_books(tape.fills, through=date(2024, 12, 31)).wash_sales == ()


def test_fewer_replacement_shares_disallow_the_loss_pro_rata() -> None:
    tape = Tape()
    tape.buy("2024-03-01", 100, "50")
    tape.sell("2024-05-01", 100, "47")  # loss 300
    tape.buy("2024-05-10", 40, "46")
    books = compute_books(tape.fills)
    (sale,) = books.closed
    assert sale.wash_disallowed == D(120)  # 40 of 100 shares
    assert sale.gain == D(-180)
    (lot,) = books.open_lots
    assert lot.basis == D(40) * 46 + 120


def test_shares_bought_in_the_30_days_before_and_still_held_replace() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "50")
    tape.buy("2024-02-01", 50, "45")
    tape.sell("2024-02-15", 100, "40")  # FIFO: the Jan 2 lot, loss 1,000
    books = compute_books(tape.fills)
    (sale,) = books.closed
    assert sale.wash_disallowed == D(500)
    (lot,) = books.open_lots
    assert lot.basis == D(2250) + 500
    # Feb 1 minus the 44 days the sold lot was held.
    assert lot.acquired == date(2023, 12, 19)


def test_each_replacement_share_is_used_once() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "50")
    tape.buy("2024-01-03", 100, "50")
    tape.sell("2024-03-01", 100, "40")  # loss 1,000
    tape.sell("2024-03-04", 100, "40")  # loss 1,000
    tape.buy("2024-03-11", 100, "41")  # within 30 days of both
    books = compute_books(tape.fills)
    first, second = books.closed
    assert (first.wash_disallowed, second.wash_disallowed) == (D(1000), D(0))
    assert len(books.wash_sales) == 1


def test_a_gain_or_a_buy_outside_30_days_is_no_wash_sale() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "50")
    tape.sell("2024-03-01", 100, "40")
    tape.buy("2024-04-01", 100, "41")  # 31 days later
    tape.sell("2024-05-01", 100, "45")  # a gain
    tape.buy("2024-05-02", 100, "44")
    books = compute_books(tape.fills)
    assert books.wash_sales == ()
    assert [c.gain for c in books.closed] == [D(-1000), D(400)]
