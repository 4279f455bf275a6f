"""Day trades at the venue: opened today, counted once per closing order, 5 sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from tests.calendars import xnys
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side
from tradecore.domain.venue.day_trades import DayTrades

_ids = count()


def at(day: int, hour: int = 15) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=UTC)


class Book:
    """Feeds fills to a tracker with the running position, as the venue book does."""

    def __init__(self, initial: int = 0) -> None:
        self.trades = DayTrades(xnys(), initial)
        self.position = Decimal(0)

    def fill(self, cid: str, side: Side, qty: int, when: datetime) -> None:
        fill = Fill(
            execution_id=f"x{next(_ids)}",
            client_order_id=cid,
            symbol="AAPL",
            side=side,
            qty=Decimal(qty),
            price=Decimal(100),
            filled_at=when,
        )
        self.trades.on_fill(fill, self.position)
        self.position += fill.signed_qty


def test_closing_shares_opened_today_is_one_day_trade_per_order() -> None:
    b = Book()
    b.fill("buy", Side.BUY, 10, at(5))
    assert b.trades.opened_today("AAPL", at(5, 16)) == 10
    b.fill("sell", Side.SELL, 2, at(5, 16))
    b.fill("sell", Side.SELL, 2, at(5, 17))  # a second fill of the same order
    assert b.trades.count(at(5, 18)) == 1
    assert b.trades.opened_today("AAPL", at(5, 18)) == 6


def test_yesterdays_position_closed_today_is_no_day_trade() -> None:
    b = Book()
    b.fill("buy", Side.BUY, 10, at(5))
    assert b.trades.opened_today("AAPL", at(6)) == 0
    b.fill("sell", Side.SELL, 10, at(6))
    assert b.trades.count(at(6, 16)) == 0


def test_a_short_covered_the_same_day_is_a_day_trade() -> None:
    b = Book()
    b.fill("short", Side.SELL, 5, at(5))
    assert b.trades.opened_today("AAPL", at(5, 16)) == -5
    b.fill("cover", Side.BUY, 5, at(5, 16))
    assert b.trades.count(at(5, 17)) == 1


def test_the_configured_count_leaves_the_window_after_five_sessions() -> None:
    b = Book(initial=3)
    assert b.trades.count(at(5)) == 3  # Monday: the first session seen
    assert b.trades.count(at(9)) == 3  # Friday: the fifth session
    assert b.trades.count(at(12)) == 0  # Monday after: out of the window
