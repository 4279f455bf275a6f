"""Compare a session day's fills and the positions with the broker's statement.

The day is a New York session date: its fills are those traded from midnight to
midnight New York time (extended hours included). Positions are the broker's now
against the lots of every fill the store holds, so run it after the day's fills
are in the store (the live process records them as they come).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from tradecore.domain.books.events import NEW_YORK
from tradecore.domain.books.statement import Difference, reconcile_statement
from tradecore.domain.books.tax_lots import Books
from tradecore.domain.errors import TransientBrokerError
from tradecore.domain.orders.account import Position
from tradecore.ports.statements import FillStatement
from tradecore.services.books.history import TradingHistory


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """New York midnight of ``day`` and of the next day, in UTC."""
    start = datetime.combine(day, time(0), tzinfo=NEW_YORK)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=NEW_YORK)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_statement(
    history: TradingHistory,
    books: Books,
    statement: FillStatement,
    positions: Sequence[Position],
    day: date,
) -> list[Difference]:
    """Every difference between the store's fills of ``day`` and the lots'
    positions, and the broker's ``FILL`` activities of that day and its positions.

    Raises:
        TransientBrokerError: the broker keeps no statement of fills.
    """
    start, end = day_bounds(day)
    theirs = statement.statement_fills(start, end)
    if theirs is None:
        raise TransientBrokerError("the broker serves no FILL account activities")
    broker = {p.symbol: p.qty for p in positions}
    return reconcile_statement(history.fills_on(day), theirs, books.positions(), broker)
