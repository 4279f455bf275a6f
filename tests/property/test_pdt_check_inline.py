"""The PDT monitor's check, with its helpers spelled out, answers as they do.

:meth:`DayTradeMonitor.check` tests ``applies(at)``, ``_roll``'s early return and
``is_day_trade`` inline (asked before every order). Here a monitor is checked
against a twin fed the same fills and asked through those helpers, as the check
was written before: any limits, instants across sessions and across the rule's
retirement, buys and sells, a broker count and a flag; verdicts and errors alike,
and the two monitors' counts stay equal.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.domain.broker_rules.day_trading import is_day_trade
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.checks import RiskVerdict
from tradecore.domain.risk.pdt import (
    PATTERN,
    RULE,
    WINDOW_SESSIONS,
    DayTradeMonitor,
    PdtLimits,
)

#: Two weeks either side of the rule's retirement (2026-06-04).
START = datetime(2026, 5, 21, 13, 0, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB")


@cache
def _calendar() -> MarketCalendar:
    return ExchangeCalendar("XNYS").schedule(date(2026, 5, 1), date(2026, 6, 30))


def _reference_check(
    monitor: DayTradeMonitor, spec: OrderSpec, at: datetime, equity: Decimal
) -> RiskVerdict | None:
    """The check as written with its helpers (the monitor's own state)."""
    limits = monitor.limits
    if not limits.block or not monitor.applies(at):
        return None
    monitor._roll(at)
    if not is_day_trade(spec, monitor._opened.get(spec.symbol, Decimal(0))):
        return None
    broker_count, flagged = monitor._broker_now()
    count = max(len(monitor._trades), broker_count)
    if count + 1 < PATTERN and not flagged:
        return None
    if equity >= limits.min_equity:
        return None
    return RiskVerdict(
        RULE,
        {
            "day_trades": str(count),
            "window_sessions": str(WINDOW_SESSIONS),
            "equity": str(equity),
            "min_equity": str(limits.min_equity),
            "flagged": str(flagged).lower(),
            "symbol": spec.symbol,
        },
    )


def _answer(ask: Any, *args: Any) -> Any:
    try:
        return ask(*args)
    except Exception as error:  # the same error, or none
        return (type(error), str(error))


steps = st.lists(
    st.tuples(
        st.sampled_from(("fill", "check", "report")),
        st.one_of(  # minutes forward: within a session, or to a later one
            st.integers(0, 90), st.integers(0, 90), st.integers(0, 40 * 60)
        ),
        st.sampled_from(SYMBOLS),
        st.integers(-300, 300),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.one_of(st.just(Decimal(0)), st.integers(0, 50_000).map(Decimal)),
    steps,
)
def test_the_inline_check_answers_as_the_helpers_do(
    enabled: bool,
    block: bool,
    after_retirement: bool,
    equity: Decimal,
    script: list[tuple[str, int, str, int]],
) -> None:
    limits = PdtLimits(enabled=enabled, block=block, after_retirement=after_retirement)
    monitor = DayTradeMonitor(limits, _calendar())
    twin = DayTradeMonitor(limits, _calendar())
    at = START
    for n, (kind, minutes, symbol, qty) in enumerate(script):
        at += timedelta(minutes=minutes)
        if kind == "fill" and qty:
            fill = Fill(
                execution_id=f"x{n}",
                client_order_id=f"c{n}",
                symbol=symbol,
                side=Side.BUY if qty > 0 else Side.SELL,
                qty=Decimal(abs(qty)),
                price=Decimal(10),
                filled_at=at,
            )
            assert _answer(monitor.on_fill, fill) == _answer(twin.on_fill, fill)
        elif kind == "report":
            for m in (monitor, twin):
                m.broker_report(at, abs(qty) % 6, qty < 0)
        else:
            side = Side.BUY if qty >= 0 else Side.SELL
            spec = OrderSpec(symbol=symbol, side=side, qty=Decimal(1))
            got = _answer(monitor.check, spec, at, lambda: equity)
            expected = _answer(_reference_check, twin, spec, at, equity)
            assert got == expected
        assert _answer(monitor.count, at) == _answer(twin.count, at)
