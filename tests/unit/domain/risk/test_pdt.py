"""The pattern-day-trader monitor: counts over five exchange sessions, the refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.pdt import DayTradeMonitor, PdtLimits


@pytest.fixture(scope="module")
def xnys() -> MarketCalendar:
    return ExchangeCalendar("XNYS").schedule(date(2025, 12, 1), date(2026, 7, 31))


def _at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


class Trader:
    """Fills through a monitor: ``round_trip(day)`` buys then sells 10 AAPL."""

    def __init__(self, monitor: DayTradeMonitor) -> None:
        self.monitor = monitor
        self.n = 0

    def fill(self, side: Side, at: datetime, qty: str = "10") -> int | None:
        self.n += 1
        return self.monitor.on_fill(
            Fill(
                execution_id=f"x{self.n}",
                client_order_id=f"c{self.n}",
                symbol="AAPL",
                side=side,
                qty=D(qty),
                price=D(100),
                filled_at=at,
            )
        )

    def round_trip(self, day: str) -> int | None:
        self.fill(Side.BUY, _at(day, 15))
        return self.fill(Side.SELL, _at(day, 16))


def _equity(value: int):  # type: ignore[no-untyped-def]
    return lambda: D(value)


SELL = OrderSpec(symbol="AAPL", side=Side.SELL, qty=D(10))
BUY = OrderSpec(symbol="AAPL", side=Side.BUY, qty=D(10))


def test_the_window_is_five_exchange_sessions_across_a_holiday(
    xnys: MarketCalendar,
) -> None:
    trader = Trader(DayTradeMonitor(PdtLimits(), xnys))
    assert trader.round_trip("2026-01-12") == 1
    assert trader.round_trip("2026-01-13") == 2
    assert trader.round_trip("2026-01-14") == 3
    # Jan 19 2026 is Martin Luther King Jr. Day: on Tue Jan 20 the five sessions
    # are Jan 13, 14, 15, 16 and 20, so Jan 12 has left and 13 and 14 remain.
    assert trader.monitor.count(_at("2026-01-20", 15)) == 2
    # Five calendar weekdays back would have been Jan 14-20: only one.
    assert trader.monitor.count(_at("2026-01-21", 15)) == 1


def test_the_fourth_day_trade_is_refused_under_25000(xnys: MarketCalendar) -> None:
    monitor = DayTradeMonitor(PdtLimits(), xnys)
    trader = Trader(monitor)
    for day in ("2026-01-05", "2026-01-06", "2026-01-07"):
        trader.round_trip(day)
    trader.fill(Side.BUY, _at("2026-01-08", 15))
    now = _at("2026-01-08", 16)
    verdict = monitor.check(SELL, now, _equity(24_999))
    assert verdict is not None
    assert verdict.rule == "pdt"
    assert verdict.values["day_trades"] == "3"
    assert verdict.values["equity"] == "24999"
    assert monitor.check(SELL, now, _equity(25_000)) is None
    # Adding to the position is not a day trade; neither is selling shares
    # bought on an earlier session.
    assert monitor.check(BUY, now, _equity(1_000)) is None
    later = DayTradeMonitor(PdtLimits(), xnys)
    Trader(later).fill(Side.BUY, _at("2026-01-07", 15))
    assert later.check(SELL, now, _equity(1_000)) is None


def test_warn_only_and_the_retirement_date(xnys: MarketCalendar) -> None:
    warn_only = DayTradeMonitor(PdtLimits(block=False), xnys)
    house = DayTradeMonitor(PdtLimits(after_retirement=True), xnys)
    default = DayTradeMonitor(PdtLimits(), xnys)
    for monitor in (warn_only, house, default):
        trader = Trader(monitor)
        for day in ("2026-06-08", "2026-06-09", "2026-06-10"):
            trader.round_trip(day)
        trader.fill(Side.BUY, _at("2026-06-11", 15))
    now = _at("2026-06-11", 16)
    assert warn_only.check(SELL, now, _equity(1_000)) is None
    # FINRA retired the rule on 2026-06-04: only a house rule still refuses.
    assert default.check(SELL, now, _equity(1_000)) is None
    assert house.check(SELL, now, _equity(1_000)) is not None


def test_the_brokers_count_and_flag_are_taken_when_larger(
    xnys: MarketCalendar,
) -> None:
    monitor = DayTradeMonitor(PdtLimits(), xnys)
    trader = Trader(monitor)
    trader.fill(Side.BUY, _at("2026-02-02", 15))
    now = _at("2026-02-02", 16)
    assert monitor.check(SELL, now, _equity(1_000)) is None
    monitor.broker_report(now, 3, False)
    assert monitor.count(now) == 3
    assert monitor.check(SELL, now, _equity(1_000)) is not None
    monitor.broker_report(now, 0, True)  # flagged: any day trade under the minimum
    refused = monitor.check(SELL, now, _equity(1_000))
    assert refused is not None
    assert refused.values["flagged"] == "true"
    # A count read on an earlier session is stale the next session.
    assert monitor.count(_at("2026-02-03", 15)) == 0
