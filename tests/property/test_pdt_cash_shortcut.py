"""The gate's cash shortcut of the PDT equity check gives the exact path's answers.

:meth:`RiskGate._cash_reaches` answers, for a ledger holding no short, that the
equity reaches the PDT minimum when the cash alone does, without valuing a
holding; whether the ledger is long-only is kept per ledger. Here the monitor's
verdict with the gate's bounds is compared with its verdict from the exact equity
alone, over cash on both sides of the $25,000 minimum, long and short books, marks
that move between checks and marks the exact path refuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, partial
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.checks import RiskVerdict
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pdt import DayTradeMonitor, PdtLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.services.controls.risk_gate import RiskGate

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB", "CCC")
MINIMUM = Decimal(25_000)

fill_prices = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal(900), places=2, allow_nan=False
)
mark_prices = st.one_of(
    st.floats(min_value=0.0001, max_value=900, allow_nan=False),
    st.sampled_from((0.0, -1.0, float("nan"), float("inf"), 1e30)),
)
#: Cash at the minimum, a few cents or dollars either side of it (the edge an
#: equity crosses), or within $5,000 of it.
cash_near_minimum = st.one_of(
    st.just(MINIMUM),
    st.integers(-1_000, 1_000).map(lambda c: MINIMUM + Decimal(c) / 100),
    st.integers(2_000_000, 3_000_000).map(lambda c: Decimal(c) / 100),
)
#: Fills (mostly buys: a long book is the shortcut's case), mark moves, checks.
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("fill"),
            st.sampled_from(SYMBOLS),
            st.integers(-60, 200),
            fill_prices,
        ),
        st.tuples(st.just("mark"), st.sampled_from(SYMBOLS), mark_prices),
        st.tuples(st.just("check"), st.sampled_from(SYMBOLS)),
    ),
    max_size=14,
)


class _Nothing:
    """Commits and alerter the gate is built with but the equity never touches."""

    def send(self, alert: object) -> None:
        raise AssertionError("no alert expected")


def _gate() -> RiskGate:
    return RiskGate(PreTradeChecker(RiskLimits()), _Nothing(), _Nothing())  # type: ignore[arg-type]


@cache
def _calendar() -> MarketCalendar:
    return ExchangeCalendar("XNYS").schedule(date(2024, 2, 1), date(2024, 3, 29))


def _flagged_monitor() -> DayTradeMonitor:
    """A monitor of a flagged pattern day trader: every day trade reaches the
    equity check (the shortcut's only caller)."""
    monitor = DayTradeMonitor(PdtLimits(min_equity=MINIMUM), _calendar())
    monitor.broker_report(NOW, 0, True)
    return monitor


def _fill(n: int, symbol: str, qty: int, price: Decimal) -> Fill:
    return Fill(
        execution_id=f"x{n}",
        client_order_id=f"c{n}",
        symbol=symbol,
        side=Side.BUY if qty > 0 else Side.SELL,
        qty=Decimal(abs(qty)),
        price=price,
        filled_at=NOW,
    )


def _verdict(check: Any, *args: Any, **kwargs: Any) -> RiskVerdict | str | None:
    """The verdict ``check(*args, **kwargs)`` gives, or ``"refused"`` when a mark is
    refused."""
    try:
        result: RiskVerdict | None = check(*args, **kwargs)
    except (InvalidInput, ArithmeticError):
        return "refused"
    return result


@settings(max_examples=400, deadline=None)
@given(cash_near_minimum, steps)
def test_the_pdt_verdict_with_the_cash_shortcut_is_the_exact_ones(
    cash: Decimal, script: list[tuple[Any, ...]]
) -> None:
    monitor = _flagged_monitor()
    gate = _gate()  # sees every ledger in turn, so keeps what it learnt of each
    ledger = Ledger.opening(cash)
    for n, step in enumerate(script):
        if step[0] == "fill":
            _, symbol, qty, price = step
            if qty == 0:
                continue
            fill = _fill(n, symbol, qty, price)
            ledger = ledger.apply(fill)
            monitor.on_fill(fill)
        elif step[0] == "mark":
            gate._mark_floats[step[1]] = step[2]
        else:
            spec = OrderSpec(symbol=step[1], side=Side.SELL, qty=Decimal(1))
            exact_equity = partial(gate._equity, ledger)
            bounded = _verdict(
                monitor.check,
                spec,
                NOW,
                exact_equity,
                surely_reaches=partial(gate._surely_reaches, ledger),
            )
            exact = _verdict(monitor.check, spec, NOW, exact_equity)
            assert bounded == exact


@settings(max_examples=400, deadline=None)
@given(
    cash_near_minimum,
    steps,
    st.one_of(st.just(MINIMUM), st.integers(20_000, 30_000).map(Decimal)),
)
def test_the_cash_shortcut_passes_only_an_equity_that_reaches_the_amount(
    cash: Decimal, script: list[tuple[Any, ...]], amount: Decimal
) -> None:
    # Each ledger and marks in turn: the gate that saw the earlier ones answers
    # as a fresh gate does, and a True is backed by the exact equity.
    seen = _gate()
    ledger = Ledger.opening(cash)
    for n, step in enumerate(script):
        if step[0] == "fill" and step[2] != 0:
            ledger = ledger.apply(_fill(n, step[1], step[2], step[3]))
        elif step[0] == "mark":
            seen._mark_floats[step[1]] = step[2]
        fresh = _gate()
        fresh._mark_floats.update(seen._mark_floats)
        answer = seen._cash_reaches(ledger, amount)
        assert answer == fresh._cash_reaches(ledger, amount)
        if answer:
            assert all(h.qty >= 0 for h in ledger.holdings.values())
            try:
                exact = seen._equity(ledger)
            except (InvalidInput, ArithmeticError):
                raise AssertionError(
                    "passed on a mark the exact path refuses"
                ) from None
            assert exact >= amount


def test_a_long_book_whose_cash_reaches_the_minimum_is_not_valued() -> None:
    # The case the shortcut is for: it answers without the float bound's loop.
    ledger = Ledger.opening(Decimal(30_000)).apply(_fill(1, "AAA", 100, Decimal(50)))
    gate = _gate()
    gate._mark_floats["AAA"] = 1.0  # the holding lost most of its value
    assert gate._cash_reaches(ledger, Decimal(25_000))
    assert gate._equity(ledger) == Decimal(25_100)


def test_a_short_book_or_an_unmarked_holding_is_left_to_the_float_bound() -> None:
    gate = _gate()
    short = Ledger.opening(Decimal(30_000)).apply(_fill(1, "AAA", -100, Decimal(50)))
    gate._mark_floats["AAA"] = 50.0
    assert not gate._cash_reaches(short, Decimal(25_000))
    unmarked = Ledger.opening(Decimal(30_000)).apply(_fill(2, "BBB", 10, Decimal(5)))
    assert not gate._cash_reaches(unmarked, Decimal(25_000))
    assert gate._surely_reaches(unmarked, Decimal(25_000))  # the float bound's answer
