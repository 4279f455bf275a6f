"""A gate fed through :meth:`RiskGate.bar_marks` answers as one fed by ``on_bar``.

The engine asks the gate once per timestamp for the dict its ``on_bar`` would only
write a close into; when it gets one, it enters the cycle at the first bar
(``begin_cycle``) and writes each close itself, where it used to call ``on_bar``
for every bar. A gate that watches no bars and reads no reference price then
keeps only the marks. Here two gates over the same limits see the same bars and
orders: one through ``on_bar`` as it was (its references always kept), one as the
engine feeds it now; their verdicts (or errors), marks, cycles and states agree,
over limits with and without a collar (global or a strategy's own) and the
book-wide limits that value every mark, odd prices (zero, negative, NaN,
infinite, huge) and zero or negative quantities.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.risk_support import Book, replay_gate
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.limits import RiskLimits, RiskLimitSet
from tradecore.services.controls.risk_gate import RiskGate

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB", "CCC")
STRATEGY = "s1"


money = st.one_of(st.none(), st.integers(1, 10**6).map(Decimal))
limits = st.builds(
    RiskLimits,
    max_order_shares=money,
    max_gross_exposure=money,
    max_net_exposure=money,
    price_collar_bps=st.one_of(st.none(), st.integers(1, 5_000).map(Decimal)),
)
limit_sets = st.one_of(
    limits,
    st.builds(
        RiskLimitSet,
        global_limits=limits,
        strategies=st.dictionaries(st.sampled_from((STRATEGY, "other")), limits),
    ),
)
prices = st.one_of(
    st.floats(min_value=0.005, max_value=5_000, allow_nan=False),
    st.sampled_from((0.0, -1.0, float("nan"), float("inf"), 1e30, 0.004)),
)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("bars"),
            st.integers(0, 2),  # minutes the clock moves (0: the same timestamp)
            st.lists(st.tuples(st.sampled_from(SYMBOLS), prices), max_size=4),
        ),
        st.tuples(
            st.just("order"),
            st.sampled_from(SYMBOLS),
            st.sampled_from((Side.BUY, Side.SELL)),
            st.integers(-5, 500),
        ),
        st.tuples(st.just("fill"), st.sampled_from(SYMBOLS), st.integers(-50, 50)),
    ),
    max_size=16,
)


def _as_it_was(limit_set: RiskLimits | RiskLimitSet) -> RiskGate:
    """A gate whose ``on_bar`` keeps every reference, as before the shortcut."""
    gate = replay_gate(limit_set)
    gate._keeps_references = True
    return gate


def _feed_as_the_engine_does(
    gate: RiskGate, at: datetime, bars: list[tuple[str, float]], book: Book
) -> None:
    """``TradingEngine.on_bar_rows``'s feeding of the gate, bar after bar."""
    marks = gate.bar_marks()
    enter = gate.begin_cycle if marks is not None else None
    for symbol, close in bars:
        if marks is not None:
            if enter is not None:
                enter(at)
                enter = None
            marks[symbol] = close
        else:
            gate.on_bar(symbol, at, close, book.ledger)


def _verdict(gate: RiskGate, book: Book, spec: OrderSpec, at: datetime) -> object:
    try:
        return gate.check(book, STRATEGY, spec, at)
    except (InvalidInput, ArithmeticError) as error:
        return (type(error), str(error))


@settings(max_examples=300, deadline=None)
@given(limit_sets, steps)
def test_a_gate_fed_its_bar_marks_answers_as_one_fed_on_bar(
    limit_set: RiskLimits | RiskLimitSet, script: list[tuple[Any, ...]]
) -> None:
    general, shortcut = _as_it_was(limit_set), replay_gate(limit_set)
    book = Book("1000000")
    at = T0
    for step in script:
        if step[0] == "bars":
            at += timedelta(minutes=step[1])
            for symbol, close in step[2]:
                general.on_bar(symbol, at, close, book.ledger)
            _feed_as_the_engine_does(shortcut, at, step[2], book)
            for symbol, close in step[2]:
                book.prices[symbol] = close
        elif step[0] == "order":
            _, symbol, side, qty = step
            try:
                spec = OrderSpec(symbol=symbol, side=side, qty=Decimal(qty))
            except InvalidInput:
                continue  # no order of that quantity reaches the gate
            assert _verdict(general, book, spec, at) == _verdict(
                shortcut, book, spec, at
            )
        elif step[2]:
            book.fill(step[1], str(step[2]), "10", at)
        assert general._mark_floats == shortcut._mark_floats
        assert general._cycle_at == shortcut._cycle_at
        assert general.board.state == shortcut.board.state
        if shortcut.bar_marks() is None:  # a collar may read them: kept
            assert general._reference_floats == shortcut._reference_floats


def test_without_a_collar_or_a_breaker_the_gate_hands_out_its_marks() -> None:
    gate = replay_gate(RiskLimits(max_gross_exposure=Decimal(10)))
    assert gate.bar_marks() is gate._mark_floats
    assert replay_gate(RiskLimits(price_collar_bps=Decimal(50))).bar_marks() is None
    own = RiskLimitSet(strategies={"other": RiskLimits(price_collar_pct=Decimal(1))})
    assert replay_gate(own).bar_marks() is None
