"""The per-order shortcuts of the rule checks give the answers of the full checks.

Each shortcut leaves out work that cannot change the answer: shape rules on a plain
order, context rules the asset's and account's standing flags let pass, pre-trade
rules whose limit is unset, the exact equity when a float bound (the gate) or the
cash (the venue) already reaches the PDT minimum, the full health table when only
the data age can be off. Here each is compared with the full computation it stands
for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.broker_rules import (
    CONTEXT_RULES,
    SHAPE_RULES,
    context_breach,
    context_rules_for,
    plain_order_rules,
    shape_breach,
)
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags, RuleContext
from tradecore.domain.broker_rules.day_trading import (
    meets_pdt_equity,
    pattern_day_trading,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Provenance
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.risk import rules
from tradecore.domain.risk.checks import PASSED, RiskVerdict
from tradecore.domain.risk.degradation import (
    DegradedFeedAction,
    Health,
    HealthThresholds,
    mode_for,
)
from tradecore.domain.risk.inputs import ExposureSnapshot, OrderFacts
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.rates import ONE_MINUTE, ONE_SECOND, OrderRateTracker
from tradecore.domain.risk.trading_state import TradingState
from tradecore.domain.venue.equity import cash_floor
from tradecore.services.controls.degradation import DegradationMonitor
from tradecore.services.controls.risk_gate import RiskGate

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB", "CCC")

prices = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal(900), places=4, allow_nan=False
)
quantities = st.one_of(
    st.integers(1, 500).map(Decimal),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3),
)


@st.composite
def order_specs(draw: st.DrawFn) -> OrderSpec:
    """Market, limit, stop and stop-limit orders by qty or notional, any TIF."""
    order_type = draw(
        st.sampled_from(
            (OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT)
        )
    )
    kw: dict[str, Any] = {
        "symbol": draw(st.sampled_from(SYMBOLS)),
        "side": draw(st.sampled_from(Side)),
        "order_type": order_type,
        "time_in_force": draw(st.sampled_from(TimeInForce)),
    }
    if order_type is OrderType.MARKET and draw(st.booleans()):
        kw["notional"] = draw(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal(5000), places=2)
        )
    else:
        kw["qty"] = draw(quantities)
    if order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        kw["limit_price"] = draw(prices)
    if order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        kw["stop_price"] = draw(prices)
    return OrderSpec(**kw)


def _full(checks: tuple[Any, ...], *args: Any) -> Any:
    for check in checks:
        if (found := check(*args)) is not None:
            return found
    return None


@given(order_specs())
def test_shape_breach_is_the_first_shape_rule_that_refuses(spec: OrderSpec) -> None:
    assert shape_breach(spec) == _full(SHAPE_RULES, spec)


assets = st.builds(
    AssetFlags,
    symbol=st.just("AAA"),
    tradable=st.booleans(),
    shortable=st.booleans(),
    easy_to_borrow=st.booleans(),
    fractionable=st.booleans(),
    status=st.sampled_from(("active", "inactive")),
)
accounts = st.builds(
    AccountFlags,
    multiplier=st.sampled_from((1, 2, 4)),
    shorting_enabled=st.booleans(),
    equity=st.integers(0, 60_000).map(Decimal),
    daytrade_count=st.one_of(st.none(), st.integers(0, 6)),
    pattern_day_trader=st.booleans(),
)
positions = st.integers(-300, 300).map(Decimal)


@given(
    order_specs(),
    assets,
    accounts,
    positions,
    positions,
    st.one_of(st.none(), prices),
    st.sampled_from((NOW, datetime(2026, 7, 1, 15, 0, tzinfo=UTC))),
)
def test_context_rules_for_the_flags_answer_as_every_rule(
    spec: OrderSpec,
    asset: AssetFlags,
    account: AccountFlags,
    position: Decimal,
    opened_today: Decimal,
    reference: Decimal | None,
    now: datetime,
) -> None:
    context = RuleContext(
        asset=asset,
        account=account,
        now=now,
        reference_price=reference,
        position=position,
        opened_today=opened_today,
    )
    planned = context_rules_for(asset, account)
    assert context_breach(spec, context, planned) == _full(CONTEXT_RULES, spec, context)


@given(
    order_specs(),
    assets,
    accounts,
    positions,
    positions,
    st.one_of(st.none(), prices),
    st.integers(-90, 90).map(lambda m: NOW + timedelta(minutes=m)),
)
def test_plain_order_rules_answer_as_every_rule_for_a_plain_order(
    spec: OrderSpec,
    asset: AssetFlags,
    account: AccountFlags,
    position: Decimal,
    opened_today: Decimal,
    reference: Decimal | None,
    now: datetime,
) -> None:
    """No bracket, no ``opg``/``cls``: the bracket and auction rules pass it (the
    session is set, around its open and close, so the auction rule could refuse)."""
    if spec.time_in_force in (TimeInForce.OPG, TimeInForce.CLS):
        spec = attrs.evolve(spec, time_in_force=TimeInForce.DAY)
    context = RuleContext(
        asset=asset,
        account=account,
        now=now,
        reference_price=reference,
        position=position,
        opened_today=opened_today,
        session_open=NOW - timedelta(minutes=30),
        session_close=NOW + timedelta(minutes=30),
    )
    planned = plain_order_rules(context_rules_for(asset, account))
    assert context_breach(spec, context, planned) == _full(CONTEXT_RULES, spec, context)


optional_money = st.one_of(st.none(), st.integers(1, 100_000).map(Decimal))
limit_sets = st.builds(
    RiskLimits,
    max_order_notional=optional_money,
    max_order_shares=st.one_of(st.none(), st.integers(1, 300).map(Decimal)),
    max_position_shares=st.one_of(st.none(), st.integers(1, 300).map(Decimal)),
    max_position_notional=optional_money,
    max_gross_exposure=optional_money,
    max_net_exposure=optional_money,
    price_collar_bps=st.one_of(st.none(), st.integers(1, 500).map(Decimal)),
    restricted_symbols=st.sampled_from(((), ("BBB",))),
    max_orders_per_second=st.one_of(st.none(), st.integers(1, 3)),
    max_orders_per_minute=st.one_of(st.none(), st.integers(1, 5)),
    max_daily_loss=optional_money,
    max_drawdown=optional_money,
    allow_short=st.booleans(),
)


def _every_rule(
    limits: RiskLimits,
    spec: OrderSpec,
    book: ExposureSnapshot,
    rates: OrderRateTracker,
) -> RiskVerdict:
    """The checker's rule chain as it was before rules were planned: all of them."""
    facts = OrderFacts.of(spec, book)
    if facts is None:
        return RiskVerdict("price_unknown", {"symbol": spec.symbol})
    order_rules = (
        rules.order_shares,
        rules.order_notional,
        rules.no_short,
        rules.position_shares,
        rules.position_notional,
    )
    book_rules = (
        rules.gross_exposure,
        rules.net_exposure,
        rules.daily_loss,
        rules.drawdown,
    )
    found = (
        rules.restricted_symbol(limits, facts)
        or rules.price_collar(limits, facts, book)
        or _full(order_rules, limits, facts)
        or _full(book_rules, limits, facts, book)
    )
    if found is not None:
        return found
    windows = (
        ("max_orders_per_second", limits.max_orders_per_second, ONE_SECOND),
        ("max_orders_per_minute", limits.max_orders_per_minute, ONE_MINUTE),
    )
    for rule, limit, span in windows:
        count = rates.orders(spec.symbol, NOW, span) + 1
        if limit is not None and count > limit:
            return RiskVerdict(
                rule, {"limit": str(limit), "value": str(count), "symbol": spec.symbol}
            )
    return PASSED


@settings(max_examples=300)
@given(
    limit_sets,
    order_specs(),
    st.fixed_dictionaries({s: positions for s in SYMBOLS}),
    st.fixed_dictionaries({s: prices for s in SYMBOLS}),
    st.one_of(st.none(), st.integers(-5000, 5000).map(Decimal)),
    st.one_of(st.none(), st.integers(0, 5000).map(Decimal)),
    st.integers(0, 4),
)
def test_planned_checks_answer_as_every_rule(
    limits: RiskLimits,
    spec: OrderSpec,
    held: dict[str, Decimal],
    marks: dict[str, Decimal],
    day_pnl: Decimal | None,
    drawdown: Decimal | None,
    sent: int,
) -> None:
    book = ExposureSnapshot.build(
        held, marks, references=marks, day_pnl=day_pnl, drawdown=drawdown
    )
    rates = OrderRateTracker()
    for i in range(sent):
        rates.record_order(spec.symbol, NOW - timedelta(seconds=sent - i))
    checker = PreTradeChecker(limits)
    got = checker.check(spec, strategy_id="s", at=NOW, book=book, rates=rates)
    assert got == _every_rule(limits, spec, book, rates)


@given(
    st.one_of(
        st.just(RiskLimits()), st.just(RiskLimits(allow_short=False)), limit_sets
    ),
    st.sampled_from(list(TradingState)),
    order_specs(),
    st.fixed_dictionaries({s: positions for s in SYMBOLS}),
    st.dictionaries(st.sampled_from(SYMBOLS), prices),
)
def test_when_the_price_alone_decides_the_check_is_priced_or_price_unknown(
    limits: RiskLimits,
    state: TradingState,
    spec: OrderSpec,
    held: dict[str, Decimal],
    marks: dict[str, Decimal],
) -> None:
    """The gate skips valuing the book when ``price_alone_decides``: then the full
    check is PASSED exactly when the order's symbol has a mark."""
    checker = PreTradeChecker(limits)
    if not checker.price_alone_decides("s", state):
        return
    book = ExposureSnapshot.build({s: q for s, q in held.items() if s in marks}, marks)
    got = checker.check(spec, strategy_id="s", at=NOW, book=book, state=state)
    priced = spec.symbol in marks
    assert got == (
        PASSED if priced else RiskVerdict("price_unknown", {"symbol": spec.symbol})
    )


def test_no_limit_set_means_the_price_alone_decides_while_active() -> None:
    checker = PreTradeChecker(RiskLimits())
    assert checker.price_alone_decides("s", TradingState.ACTIVE)
    assert not checker.price_alone_decides("s", TradingState.REDUCING)
    assert not PreTradeChecker(RiskLimits(allow_short=False)).price_alone_decides(
        "s", TradingState.ACTIVE
    )


class _Nothing:
    """Commits and alerter the gate is built with but the equity never touches."""

    def send(self, alert: object) -> None:
        raise AssertionError("no alert expected")


def _gate() -> RiskGate:
    return RiskGate(PreTradeChecker(RiskLimits()), _Nothing(), _Nothing())  # type: ignore[arg-type]


float_prices = st.one_of(
    st.floats(min_value=0.0001, max_value=5000, allow_nan=False),
    st.sampled_from((0.0, -1.0, float("nan"), float("inf"), 1e30)),
)


@settings(max_examples=400)
@given(
    st.integers(-50_000_000, 50_000_000).map(lambda c: Decimal(c) / 100),
    st.lists(
        st.tuples(st.sampled_from(SYMBOLS), st.integers(-20_000, 20_000), prices),
        max_size=6,
    ),
    st.dictionaries(st.sampled_from(SYMBOLS), float_prices),
    st.integers(0, 400_000).map(Decimal),
)
def test_the_float_equity_bound_never_passes_an_equity_below_it(
    cash: Decimal,
    fills: list[tuple[str, int, Decimal]],
    marks: dict[str, float],
    amount: Decimal,
) -> None:
    ledger = Ledger.opening(cash)
    for i, (symbol, qty, price) in enumerate(fills):
        if qty == 0:
            continue
        ledger = ledger.apply(
            Fill(
                execution_id=f"x{i}",
                client_order_id=f"c{i}",
                symbol=symbol,
                side=Side.BUY if qty > 0 else Side.SELL,
                qty=Decimal(abs(qty)),
                price=price,
                filled_at=NOW,
            )
        )
    gate = _gate()
    gate._mark_floats.update(marks)
    if not gate._surely_reaches(ledger, amount):
        return
    try:
        exact = gate._equity(ledger)
    except (InvalidInput, ArithmeticError):
        raise AssertionError("passed on a price the exact path refuses") from None
    assert exact >= amount


observations = st.lists(
    st.one_of(
        st.tuples(st.just("call"), st.integers(0, 900), st.booleans()),
        st.tuples(st.just("store"), st.booleans()),
        st.tuples(st.just("model"), st.sampled_from(Health)),
        st.tuples(st.just("feed"), st.sampled_from(Provenance)),
        st.tuples(
            st.just("ask"),
            st.integers(0, 900),
            st.one_of(st.none(), st.floats(0, 2000, allow_nan=False)),
        ),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(observations, st.sampled_from(DegradedFeedAction), st.integers(1, 4))
def test_the_mode_is_the_table_mode_of_every_health(
    steps: list[tuple[Any, ...]], feed_action: DegradedFeedAction, min_calls: int
) -> None:
    monitor = DegradationMonitor(
        HealthThresholds(broker_min_calls=min_calls), degraded_feed=feed_action
    )
    twin = DegradationMonitor(
        HealthThresholds(broker_min_calls=min_calls), degraded_feed=feed_action
    )
    clock = NOW
    for step in steps:
        kind = step[0]
        if kind in ("call", "ask"):
            clock += timedelta(seconds=step[1])
        for m in (monitor, twin):
            if kind == "call":
                m.on_broker_call(clock, failed=step[2])
            elif kind == "store":
                m.on_store_result(failed=step[1])
            elif kind == "model":
                m.set_model_health(step[1])
            elif kind == "feed":
                m.on_feed(step[1])
        if kind == "ask":
            expected = mode_for(twin.health(clock, step[2]))
            assert monitor.mode(clock, step[2]) is expected


@settings(max_examples=300)
@given(
    st.integers(-50_000_000, 50_000_000).map(lambda c: Decimal(c) / 100),
    st.lists(
        st.tuples(st.sampled_from(SYMBOLS), st.integers(-20_000, 20_000), prices),
        max_size=8,
    ),
    st.dictionaries(st.sampled_from(SYMBOLS), float_prices),
    st.integers(0, 400_000).map(Decimal),
)
def test_the_float_bound_of_a_gate_that_saw_earlier_ledgers_is_a_fresh_gates(
    cash: Decimal,
    fills: list[tuple[str, int, Decimal]],
    marks: dict[str, float],
    amount: Decimal,
) -> None:
    # The gate keeps each holding's floats from the ledgers it bounded before;
    # each next ledger must be answered as a gate that never saw one answers it.
    seen = _fresh_gate(marks)
    ledger = Ledger.opening(cash)
    for i, (symbol, qty, price) in enumerate(fills):
        expected = _fresh_gate(marks)._surely_reaches(ledger, amount)
        assert seen._surely_reaches(ledger, amount) == expected
        if qty == 0:
            continue
        ledger = ledger.apply(
            Fill(
                execution_id=f"x{i}",
                client_order_id=f"c{i}",
                symbol=symbol,
                side=Side.BUY if qty > 0 else Side.SELL,
                qty=Decimal(abs(qty)),
                price=price,
                filled_at=NOW,
            )
        )
    expected = _fresh_gate(marks)._surely_reaches(ledger, amount)
    assert seen._surely_reaches(ledger, amount) == expected


def _fresh_gate(marks: dict[str, float]) -> RiskGate:
    """A new gate with ``marks``: it has bounded no ledger yet."""
    gate = _gate()
    gate._mark_floats.update(marks)
    return gate


def test_the_float_equity_bound_allows_for_the_marks_rounding() -> None:
    # 1,000 shares at a close of 10.004: the mark is 10.00, so the floats say
    # 4 dollars more than the exact equity; an amount between the two must not pass.
    ledger = Ledger.opening(Decimal(1_000)).apply(
        Fill(
            execution_id="x1",
            client_order_id="c1",
            symbol="AAA",
            side=Side.BUY,
            qty=Decimal(1_000),
            price=Decimal(1),
            filled_at=NOW,
        )
    )
    gate = _gate()
    gate._mark_floats["AAA"] = 10.004
    exact = gate._equity(ledger)
    assert exact == Decimal(10_000)
    assert not gate._surely_reaches(ledger, Decimal(10_002))
    assert gate._surely_reaches(ledger, Decimal(9_980))


@settings(max_examples=400)
@given(
    st.integers(-5_000_000, 5_000_000).map(lambda c: Decimal(c) / 100),
    st.lists(
        st.tuples(st.sampled_from(SYMBOLS), st.integers(-20_000, 20_000), prices),
        max_size=6,
    ),
    st.dictionaries(st.sampled_from(SYMBOLS), prices),
    st.sampled_from(Side),
    st.integers(-300, 300).map(Decimal),
)
def test_the_venue_cash_floor_answers_the_day_trade_rule_as_the_marked_equity(
    cash: Decimal,
    fills: list[tuple[str, int, Decimal]],
    marks: dict[str, Decimal],
    side: Side,
    opened_today: Decimal,
) -> None:
    """The venue's flags carry its cash instead of the marked equity when the cash
    meets the PDT minimum and no holding is short: never above the equity, so the
    rule answers as it would with the marked equity."""
    ledger = Ledger.opening(cash)
    for i, (symbol, qty, price) in enumerate(fills):
        if qty == 0:
            continue
        ledger = ledger.apply(
            Fill(
                execution_id=f"x{i}",
                client_order_id=f"c{i}",
                symbol=symbol,
                side=Side.BUY if qty > 0 else Side.SELL,
                qty=Decimal(abs(qty)),
                price=price,
                filled_at=NOW,
            )
        )
    floor = cash_floor(ledger)
    equity = ledger.equity(marks)
    if floor is None:
        return
    assert floor <= equity
    spec = OrderSpec(symbol="AAA", side=side, qty=Decimal(1))

    def answer(value: Decimal) -> RuleBreach | None:
        account = AccountFlags(multiplier=4, daytrade_count=3, equity=value)
        context = RuleContext(
            asset=AssetFlags(symbol="AAA"),
            account=account,
            now=NOW,
            opened_today=opened_today,
        )
        return pattern_day_trading(spec, context)

    if meets_pdt_equity(floor):
        assert answer(floor) == answer(equity)
