"""The venue's clearance of a whole-share market order answers as the full rule check.

``SimVenue.clears_market_order`` reads each rule's refusing case from the venue's
books instead of building a rule context and asking the rules (before every order).
Here venues trade random flows (bars, market and limit orders on both sides, shorts,
fills in and across sessions, day trades counted from a configured start, equity
near the pattern-day-trader minimum, margin and cash accounts, an asset that cannot
be shorted) and after every step each probe order is checked three ways: whenever
the clearance says it passes, the full check (every rule, a built context) finds no
breach, and the pre-send check the venue makes (with the clearance) answers exactly
as the full check.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.errors import BrokerError
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.simulated import SimVenue

#: A Monday in regular hours, months before the day-trade rule's retirement.
START = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT", "HTB")
PROBE_QTYS = ("1", "7", "100", "250", "0.5")
#: A fractional order that is not a day order breaks a shape rule.
PROBE_TIFS = (TimeInForce.DAY, TimeInForce.GTC)

bars = st.tuples(st.just("bar"), st.sampled_from(SYMBOLS), st.integers(-300, 300))
orders = st.tuples(
    st.just("order"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(Side),
    st.sampled_from([OrderType.MARKET, OrderType.MARKET, OrderType.LIMIT]),
    st.sampled_from(["1", "50", "100", "200", "0.25"]),
    st.integers(-200, 200),
)
waits = st.tuples(st.just("wait"), st.sampled_from([60, 1_800, 20 * 3_600]))
flows = st.lists(st.one_of(bars, bars, orders, orders, waits), min_size=5, max_size=50)


def _venue(model: FillModel, cash: int, multiplier: int, day_trades: int) -> SimVenue:
    return SimVenue(
        VenueConfig(
            calendar=xnys(),
            seed=7,
            fill_model=model,
            starting_cash=Decimal(cash),
            account=AccountFlags(multiplier=multiplier, daytrade_count=day_trades),
            assets={"HTB": AssetFlags(symbol="HTB", shortable=False)},
        )
    )


def _bar(symbol: str, now: datetime, move_bps: int, last: dict[str, float]) -> Bar:
    o = last[symbol]
    c = max(round(o * (1 + move_bps / 1e4), 2), 0.01)
    last[symbol] = c
    return Bar(
        symbol=symbol,
        timestamp=now,
        open=o,
        high=max(o, c),
        low=min(o, c),
        close=c,
        volume=1e6,
    )


def _order(step: tuple[object, ...], last: dict[str, float]) -> OrderSpec:
    _, symbol, side, kind, qty, offset_bps = step
    assert isinstance(symbol, str)
    assert isinstance(side, Side)
    assert isinstance(offset_bps, int)
    limit = None
    if kind is OrderType.LIMIT:
        limit = Decimal(str(max(round(last[symbol] * (1 + offset_bps / 1e4), 2), 0.01)))
    return OrderSpec(
        symbol=symbol,
        side=side,
        qty=Decimal(str(qty)),
        order_type=OrderType.LIMIT if limit is not None else OrderType.MARKET,
        limit_price=limit,
    )


def _probe(v: SimVenue, now: datetime) -> None:
    for symbol in SYMBOLS:
        for side in Side:
            for qty in PROBE_QTYS:
                for tif in PROBE_TIFS:
                    spec = OrderSpec(
                        symbol=symbol, side=side, qty=Decimal(qty), time_in_force=tif
                    )
                    full = v.full_rule_breach(now, spec)
                    if v.clears_market_order(now, spec):
                        assert full is None
                    assert v.rule_breach(now, spec) == full


@settings(max_examples=150, deadline=None)
@given(
    steps=flows,
    model=st.sampled_from([FillModel.ideal(), FillModel.realistic()]),
    cash=st.sampled_from([2_000, 25_500, 30_000, 1_000_000]),
    multiplier=st.sampled_from([1, 2, 4]),
    day_trades=st.sampled_from([0, 2, 3, 5]),
)
def test_a_cleared_market_order_is_one_the_full_check_passes(
    steps: list[tuple[object, ...]],
    model: FillModel,
    cash: int,
    multiplier: int,
    day_trades: int,
) -> None:
    v = _venue(model, cash, multiplier, day_trades)
    now = START
    last = dict.fromkeys(SYMBOLS, 100.0)
    for symbol in SYMBOLS:
        v.on_bar(now, _bar(symbol, now, 0, last))
    _probe(v, now)
    for n, step in enumerate(steps):
        if step[0] == "bar":
            symbol, move = step[1], step[2]
            assert isinstance(symbol, str)
            assert isinstance(move, int)
            v.on_bar(now, _bar(symbol, now, move, last))
            now += timedelta(minutes=1)
        elif step[0] == "wait":
            wait = step[1]
            assert isinstance(wait, int)
            now += timedelta(seconds=wait)
        else:
            with contextlib.suppress(BrokerError):  # refusals are legal outcomes
                v.submit(now, f"c{n}", _order(step, last))
        v.advance_to(now)
        _probe(v, now)


def test_only_whole_share_market_orders_are_cleared() -> None:
    v = _venue(FillModel.ideal(), 1_000_000, 4, 0)
    last = dict.fromkeys(SYMBOLS, 100.0)
    v.on_bar(START, _bar("AAPL", START, 0, last))
    market = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(10))
    assert v.clears_market_order(START, market)
    for other in (
        OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal("0.5")),
        OrderSpec(
            symbol="AAPL",
            side=Side.BUY,
            qty=Decimal(10),
            order_type=OrderType.LIMIT,
            limit_price=Decimal(100),
        ),
        OrderSpec(symbol="AAPL", side=Side.BUY, notional=Decimal(500)),
    ):
        assert not v.clears_market_order(START, other)


def test_a_buy_worth_under_a_dollar_is_left_to_the_full_check() -> None:
    v = _venue(FillModel.ideal(), 1_000_000, 4, 0)
    last = {"AAPL": 0.5}
    v.on_bar(START, _bar("AAPL", START, 0, last))
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
    assert not v.clears_market_order(START, spec)
    breach = v.rule_breach(START, spec)
    assert breach is not None
    assert breach.rule == "buy_below_minimum"
    assert breach == v.full_rule_breach(START, spec)
