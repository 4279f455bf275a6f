"""A gate that records no order without a rate limit answers as one that records all.

:meth:`RiskGate.check` counts a passed order in its rate windows only when some
strategy's limits set an order rate (global or its own): nothing else reads them.
Here two gates over the same limits see the same orders, cancels and fills: one
recording every passed order, as before, one as it does now; their verdicts (or
errors) agree, over limits with and without rate limits, other rules that refuse
(order size, a collar), cancels and their limit, clocks that step back, odd prices
and zero or negative quantities.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.risk_support import Book, replay_gate
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.limits import RiskLimits, RiskLimitSet

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB")
STRATEGIES = ("s1", "s2")


small = st.one_of(st.none(), st.integers(1, 4))
limits = st.builds(
    RiskLimits,
    max_order_shares=st.one_of(st.none(), st.integers(1, 300).map(Decimal)),
    # Mostly none: a collar refuses the first orders (no reference yet).
    price_collar_bps=st.sampled_from((None, None, None, Decimal(20), Decimal(500))),
    max_orders_per_second=small,
    max_orders_per_minute=small,
    max_cancels_per_minute=small,
)
limit_sets = st.one_of(
    limits,
    st.builds(
        RiskLimitSet,
        global_limits=limits,
        strategies=st.dictionaries(st.sampled_from(STRATEGIES), limits, min_size=1),
    ),
)
prices = st.one_of(
    st.floats(min_value=0.005, max_value=5_000, allow_nan=False),
    st.sampled_from((0.0, -1.0, float("nan"), float("inf"), 1e30)),
)
#: Milliseconds the clock moves before an order or a cancel: mostly within a
#: rate window, sometimes past it, sometimes back.
moves = st.one_of(st.integers(0, 1_500), st.integers(-2_000, 61_000))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("mark"), st.sampled_from(SYMBOLS), prices),
        st.tuples(
            st.just("order"),
            st.sampled_from(STRATEGIES),
            st.sampled_from(SYMBOLS),
            st.sampled_from((Side.BUY, Side.SELL)),
            st.one_of(st.integers(1, 10), st.integers(-5, 400)),
            moves,
        ),
        st.tuples(
            st.just("cancel"),
            st.sampled_from(STRATEGIES),
            st.sampled_from(SYMBOLS),
            moves,
        ),
    ),
    max_size=24,
)


def _answer(call: Any, *args: Any) -> object:
    try:
        return call(*args)
    except (InvalidInput, ArithmeticError) as error:
        return (type(error), str(error))


@settings(max_examples=500, deadline=None)
@given(limit_sets, steps)
@example(  # another strategy's orders count against a strategy's own rate
    RiskLimitSet(strategies={"s2": RiskLimits(max_orders_per_second=1)}),
    [("order", "s1", "AAA", Side.BUY, 1, 0), ("order", "s2", "AAA", Side.BUY, 1, 100)],
)
def test_a_gate_counts_orders_only_for_a_rate_limit_and_answers_the_same(
    limit_set: RiskLimits | RiskLimitSet, script: list[tuple[Any, ...]]
) -> None:
    general, shortcut = replay_gate(limit_set), replay_gate(limit_set)
    general._counts_orders = True  # every passed order recorded, as before
    book = Book("1000000")
    at = T0
    for symbol in SYMBOLS:  # priced from the start (a later mark may be odd)
        for gate in (general, shortcut):
            gate.on_bar(symbol, at, 10.0, book.ledger)
        book.prices[symbol] = 10.0
    for step in script:
        if step[0] == "mark":
            for gate in (general, shortcut):
                gate.on_bar(step[1], at, step[2], book.ledger)
            book.prices[step[1]] = step[2]
        elif step[0] == "order":
            _, strategy, symbol, side, qty, ms = step
            at += timedelta(milliseconds=ms)
            try:
                spec = OrderSpec(symbol=symbol, side=side, qty=Decimal(qty))
            except InvalidInput:
                continue  # no order of that quantity reaches the gate
            assert _answer(general.check, book, strategy, spec, at) == _answer(
                shortcut.check, book, strategy, spec, at
            )
        else:
            _, strategy, symbol, ms = step
            at += timedelta(milliseconds=ms)
            assert _answer(general.check_cancel, strategy, symbol, at) == _answer(
                shortcut.check_cancel, strategy, symbol, at
            )


def test_the_orders_are_counted_only_where_a_rate_limit_may_read_them() -> None:
    spec = OrderSpec(symbol="AAA", side=Side.BUY, qty=Decimal(1))
    book = Book()
    book.prices["AAA"] = 10.0
    unlimited = replay_gate(RiskLimits())
    assert unlimited.check(book, "s1", spec, T0).passed
    assert unlimited.rates.orders("AAA", T0, timedelta(minutes=1)) == 0
    own = RiskLimitSet(strategies={"s2": RiskLimits(max_orders_per_minute=5)})
    counted = replay_gate(own)
    assert counted.check(book, "s1", spec, T0).passed
    assert counted.rates.orders("AAA", T0, timedelta(minutes=1)) == 1
