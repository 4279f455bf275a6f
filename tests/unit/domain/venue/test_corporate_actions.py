"""The simulated venue applies splits, dividends and renames on the ex-date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.simkit import T0, bar, lmt, mkt, run_bars, venue
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import Side, TimeInForce
from tradecore.domain.venue.simulated import SimVenue

D = Decimal
#: Midnight New York time starting 2026-01-07 and 2026-01-09 (EST: UTC-5).
SPLIT_AT = datetime(2026, 1, 7, 5, 0, tzinfo=UTC)
DIVIDEND_AT = datetime(2026, 1, 9, 5, 0, tzinfo=UTC)
LATER = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def flat_bar(t: datetime, price: float, symbol: str = "AAPL"):
    return bar(t, price, price, price, price, symbol=symbol)


def holding(qty: int, price: float, cash: int = 100_000) -> SimVenue:
    """A venue that bought ``qty`` AAPL (negative: sold short) at ``price``."""
    v = venue(starting_cash=D(cash))
    v.on_bar(T0, flat_bar(T0, price))
    side = Side.BUY if qty > 0 else Side.SELL
    v.submit(T0, "entry", mkt(side, abs(qty)))
    run_bars(v, T0, [flat_bar(T0, price)] * 3)
    assert v.ledger.position("AAPL") == qty
    v.take_events()
    return v


def equity(v: SimVenue, at: datetime) -> Decimal:
    return v.account(at).equity


def test_split_then_dividend_matches_the_hand_computation() -> None:
    """100 shares at 400; 4-for-1 split; 0.50 dividend: equity stays 100,000.

    Before: cash 60,000, 100 x 400 = 40,000. Split: 400 shares at an average of 100,
    marked at 400 / 4 = 100 (equity 100,000). Dividend: cash 60,000 + 400 x 0.50 =
    60,200, marked at 100 - 0.50 = 99.50: 60,200 + 39,800 = 100,000.
    """
    v = holding(100, 400.0)
    assert v.ledger.cash == D(60_000)
    assert equity(v, SPLIT_AT) == D(100_000)

    split = CorporateAction.split("AAPL", date(2026, 1, 7), 4, 1)
    booking = v.apply_corporate_action(SPLIT_AT, split)
    assert (booking.effect.qty_before, booking.effect.qty_after) == (D(100), D(400))
    assert booking.effect.cash == 0
    [position] = v.positions()
    assert position.qty == D(400)
    assert position.avg_entry_price == D(100)
    assert v.ledger.cash == D(60_000)
    assert equity(v, SPLIT_AT) == D(100_000)

    dividend = CorporateAction.dividend("AAPL", date(2026, 1, 9), D("0.50"))
    booking = v.apply_corporate_action(DIVIDEND_AT, dividend)
    assert booking.effect.cash == D(200)
    assert v.ledger.cash == D(60_200)
    assert v.ledger.realized_pnl == D(200)
    assert equity(v, DIVIDEND_AT) == D(100_000)
    # The ex-date's first raw bar trades at the adjusted price: still 100,000.
    v.on_bar(DIVIDEND_AT, flat_bar(DIVIDEND_AT, 99.5))
    assert equity(v, DIVIDEND_AT) == D(100_000)


def test_a_split_cancels_the_symbols_open_orders() -> None:
    v = holding(100, 400.0)
    v.submit(LATER, "resting", lmt(Side.SELL, 100, "450", tif=TimeInForce.GTC))
    v.advance_to(SPLIT_AT)
    v.take_events()
    split = CorporateAction.split("AAPL", date(2026, 1, 7), 4, 1)
    booking = v.apply_corporate_action(SPLIT_AT, split)
    assert booking.canceled_orders == ("resting",)
    [event] = v.take_events()
    assert event.kind is OrderEventKind.CANCELED
    assert event.reason == "corporate_action"
    assert v.order_by_client_id("resting").status is BrokerOrderStatus.CANCELED
    assert v.open_orders() == []
    assert v.buying_power_from_scratch() == v.account(SPLIT_AT).buying_power


def test_a_dividend_leaves_open_orders_alone() -> None:
    v = holding(100, 400.0)
    v.submit(LATER, "resting", lmt(Side.SELL, 100, "450", tif=TimeInForce.GTC))
    v.advance_to(DIVIDEND_AT)
    v.take_events()
    dividend = CorporateAction.dividend("AAPL", date(2026, 1, 9), D("1"))
    assert v.apply_corporate_action(DIVIDEND_AT, dividend).canceled_orders == ()
    assert [o.client_order_id for o in v.open_orders()] == ["resting"]


def test_reverse_split_keeps_the_fraction_as_alpaca_does() -> None:
    """15 shares, 1-for-10: 1.5 shares (Alpaca pays fractions since 2021-08-02)."""
    v = holding(15, 2.0)
    split = CorporateAction.split("AAPL", date(2026, 1, 7), 1, 10)
    booking = v.apply_corporate_action(SPLIT_AT, split)
    assert booking.effect.qty_after == D("1.5")
    assert booking.effect.cash == 0
    [position] = v.positions()
    assert position.avg_entry_price == D(20)
    assert equity(v, SPLIT_AT) == D(100_000)


def test_reverse_split_with_whole_shares_pays_cash_in_lieu() -> None:
    """15 shares bought at 2, 1-for-10, whole shares only: 1 share + 0.5 in cash.

    The 0.5 new share is worth 0.5 x (prior close 2.40 x 10) = 12.00; it cost half
    of the 30.00 basis' 1/1.5 share: 30 x 0.5 / 1.5 = 10.00, so 2.00 is realized.
    """
    v = holding(15, 2.0)
    v.on_bar(SPLIT_AT, flat_bar(SPLIT_AT, 2.4))  # the prior close is 2.40
    split = CorporateAction.split("AAPL", date(2026, 1, 7), 1, 10)
    booking = v.apply_corporate_action(SPLIT_AT, split, whole_shares=True)
    assert booking.effect.qty_after == D(1)
    assert booking.effect.cash_in_lieu_qty == D("0.5")
    assert booking.effect.cash == D("12.00")
    assert booking.effect.realized_pnl == D("2.00")
    assert v.ledger.cash == D(100_000) - D(30) + D(12)
    [position] = v.positions()
    assert position.avg_entry_price == D(20)
    # Equity: marked at 24 per new share, the same as 15 x 2.40 before.
    assert equity(v, SPLIT_AT) == D(100_000) - D(30) + D(36)


def test_a_short_position_pays_the_dividend() -> None:
    """Short 100 at 50, dividend 0.25: cash falls by 25, equity stays."""
    v = holding(-100, 50.0)
    before = equity(v, DIVIDEND_AT)
    cash = v.ledger.cash
    dividend = CorporateAction.dividend("AAPL", date(2026, 1, 9), D("0.25"))
    booking = v.apply_corporate_action(DIVIDEND_AT, dividend)
    assert booking.effect.cash == D("-25.00")
    assert v.ledger.cash == cash - D(25)
    assert v.ledger.realized_pnl == D(-25)
    assert equity(v, DIVIDEND_AT) == before


def test_a_short_position_splits_too() -> None:
    v = holding(-100, 50.0)
    split = CorporateAction.split("AAPL", date(2026, 1, 7), 2, 1)
    v.apply_corporate_action(SPLIT_AT, split)
    [position] = v.positions()
    assert (position.qty, position.avg_entry_price) == (D(-200), D(25))


def test_a_name_change_moves_the_position() -> None:
    v = holding(100, 400.0)
    rename = CorporateAction(
        symbol="AAPL",
        kind=ActionKind.NAME_CHANGE,
        ex_date=date(2026, 1, 7),
        new_symbol="APPL",
    )
    booking = v.apply_corporate_action(SPLIT_AT, rename)
    assert booking.terms.symbol_after == "APPL"
    [position] = v.positions()
    assert (position.symbol, position.qty, position.avg_entry_price) == (
        "APPL",
        D(100),
        D(400),
    )
    assert equity(v, SPLIT_AT) == D(100_000)
    assert v.last_bar("APPL") is not None


def test_an_action_on_a_symbol_not_held_changes_nothing() -> None:
    v = holding(100, 400.0)
    before = v.ledger
    split = CorporateAction.split("MSFT", date(2026, 1, 7), 4, 1)
    booking = v.apply_corporate_action(SPLIT_AT, split)
    assert booking.effect.qty_before == booking.effect.qty_after == 0
    assert v.ledger == before
    assert isinstance(v.ledger, Ledger)
