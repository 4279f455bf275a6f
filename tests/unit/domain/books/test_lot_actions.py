"""Splits and renames carried through lots; the books as of a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from tests.unit.domain.books._fills import Tape
from tradecore.domain.books.holding_period import Term
from tradecore.domain.books.tax_lots import compute_books
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction


def test_a_split_inside_the_holding_period_keeps_basis_and_acquired_date() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "300", fee="2")
    split = CorporateAction.split("AAPL", date(2024, 6, 10), 4, 1)
    before = compute_books(tape.fills, actions=[split], through=date(2024, 6, 7))
    assert before.open_lots[0].qty == 100
    after = compute_books(tape.fills, actions=[split], through=date(2024, 6, 10))
    (lot,) = after.open_lots
    assert (lot.qty, lot.basis, lot.acquired) == (D(400), D(30002), date(2024, 1, 2))
    assert lot.unit_basis == D("75.005")
    tape.sell("2025-01-03", 200, "80")
    books = compute_books(tape.fills, actions=[split])
    (sale,) = books.closed
    assert (sale.qty, sale.proceeds, sale.cost_basis) == (D(200), D(16000), D(15001))
    assert sale.acquired == date(2024, 1, 2)
    assert sale.term is Term.LONG
    assert books.positions() == {"AAPL": D(200)}


def test_a_reverse_split_divides_the_shares() -> None:
    tape = Tape()
    tape.buy("2024-01-02", 100, "2")
    reverse = CorporateAction.split("AAPL", date(2024, 2, 1), 1, 10)
    (lot,) = compute_books(tape.fills, actions=[reverse]).open_lots
    assert (lot.qty, lot.basis) == (D(10), D(200))


def test_a_rename_moves_the_lots_to_the_new_symbol() -> None:
    tape = Tape("FB")
    tape.buy("2022-01-03", 10, "300")
    rename = CorporateAction(
        symbol="FB",
        kind=ActionKind.NAME_CHANGE,
        ex_date=date(2022, 6, 9),
        new_symbol="META",
    )
    meta = Tape("META")
    meta.fills = list(tape.fills)
    meta.sell("2022-07-01", 10, "160")
    books = compute_books(meta.fills, actions=[rename])
    (sale,) = books.closed
    assert (sale.symbol, sale.acquired, sale.gain) == (
        "META",
        date(2022, 1, 3),
        D(-1400),
    )
    assert books.positions() == {}
