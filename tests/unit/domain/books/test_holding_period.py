"""Short-term vs long-term: more than one year, counted from the day after buying."""

from __future__ import annotations

from datetime import date

from tests.unit.domain.books._fills import Tape
from tradecore.domain.books.holding_period import Term, anniversary, term_of
from tradecore.domain.books.tax_lots import compute_books


def test_exactly_one_year_is_short_term_and_one_day_more_long_term() -> None:
    assert term_of(date(2024, 2, 5), date(2025, 2, 5)) is Term.SHORT
    assert term_of(date(2024, 2, 5), date(2025, 2, 6)) is Term.LONG


def test_a_leap_day_purchase_turns_long_term_on_march_first() -> None:
    assert anniversary(date(2024, 2, 29)) == date(2025, 2, 28)
    assert term_of(date(2024, 2, 29), date(2025, 2, 28)) is Term.SHORT
    assert term_of(date(2024, 2, 29), date(2025, 3, 1)) is Term.LONG


def test_lots_closed_on_the_boundary_days_get_their_terms() -> None:
    tape = Tape()
    tape.buy("2023-03-06", 10, "100")
    tape.sell("2024-03-06", 5, "120")  # exactly one year: short-term
    tape.sell("2024-03-07", 5, "120")  # one year and a day: long-term
    books = compute_books(tape.fills)
    assert [c.term for c in books.closed] == [Term.SHORT, Term.LONG]
