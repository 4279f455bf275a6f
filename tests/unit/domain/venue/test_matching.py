from datetime import timedelta
from decimal import Decimal

import pytest

from tests.simkit import T0, bar, lmt, mkt
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.venue.fill_models import (
    AdverseSelectionConfig,
    FillModel,
    LiquidityConfig,
    QueueConfig,
)
from tradecore.domain.venue.matching import (
    extremes_after,
    first_reach,
    match_order,
    ohlc_path,
    price_at,
)
from tradecore.domain.venue.sim_order import SimOrder

UP = bar(T0, 100, 102, 99, 101)  # path 100 -> 99 -> 102 -> 101, length 1 + 3 + 1


def order(spec: OrderSpec, queue: float | None = None) -> SimOrder:
    assert spec.qty is not None
    return SimOrder(
        broker_order_id="b",
        client_order_id="c",
        spec=spec,
        qty=spec.qty,
        status=BrokerOrderStatus.NEW,
        submitted_at=T0,
        updated_at=T0,
        ready_at=T0,
        queue_ahead=queue,
    )


def match(model, spec, b=UP, start=0.0, liquidity=float("inf"), queue=None):
    return match_order(
        model, order(spec, queue), b, ohlc_path(b), None, start, liquidity
    )


def test_path_visits_low_before_high_on_an_up_bar():
    path = ohlc_path(UP)
    assert path == ((0.0, 100), (0.2, 99), (0.8, 102), (1.0, 101))
    assert price_at(path, 0.5) == pytest.approx(100.5)
    assert first_reach(path, 0.0, 101.0, upward=True) == pytest.approx(0.6)
    assert first_reach(path, 0.5, 99.5, upward=False) is None
    assert extremes_after(path, 0.5) == (pytest.approx(100.5), 102)


def test_ideal_market_order_fills_whole_at_the_open():
    m = match(FillModel.ideal(), mkt(Side.BUY, 500))
    assert (m.qty, m.price, m.at) == (Decimal(500), Decimal("100.00"), 0.0)


def test_ideal_limit_fills_at_the_limit_when_touched():
    m = match(FillModel.ideal(), lmt(Side.BUY, 10, "99.00"))
    assert (m.qty, m.price) == (Decimal(10), Decimal("99.00"))
    assert m.at == pytest.approx(0.2)


def test_limit_better_than_the_open_fills_at_the_open():
    m = match(FillModel.ideal(), lmt(Side.BUY, 10, "100.50"))
    assert m.price == Decimal("100.00")


def test_limit_never_reached_does_not_fill():
    m = match(FillModel.ideal(), lmt(Side.BUY, 10, "98.50"))
    assert m.qty == 0


def test_realistic_market_buy_pays_spread_impact_and_adverse_selection():
    model = FillModel.realistic(liquidity=LiquidityConfig(max_participation=None))
    buy = match(model, mkt(Side.BUY, 1000), b=bar(T0, volume=10_000))
    sell = match(model, mkt(Side.SELL, 1000), b=bar(T0, volume=10_000))
    assert buy.price > Decimal(100) > sell.price
    # adverse selection: the bar moved up, so the buy pays more than the sell gives up
    assert buy.price - 100 > 100 - sell.price


def test_realistic_fill_takes_only_its_share_of_the_volume():
    model = FillModel.realistic(liquidity=LiquidityConfig(max_participation=0.1))
    m = match(model, mkt(Side.BUY, 500), b=bar(T0, volume=2_000), start=0.5)
    assert m.qty == Decimal(100)
    assert m.at == 0.5


def test_fill_or_kill_fills_all_or_nothing():
    model = FillModel.realistic(liquidity=LiquidityConfig(max_participation=0.1))
    spec = mkt(Side.BUY, 500, TimeInForce.FOK)
    assert match(model, spec, b=bar(T0, volume=2_000)).qty == 0
    assert match(model, spec, b=bar(T0, volume=10_000)).qty == Decimal(500)


def test_touching_the_limit_fills_only_after_the_queue_ahead():
    model = FillModel.realistic(
        queue=QueueConfig(ahead_fraction=0.05, touch_fraction=0.1),
        adverse_selection=AdverseSelectionConfig(coefficient=0),
    )
    touch = bar(T0, 100, 101, 99, 100.5, volume=10_000)
    spec = lmt(Side.BUY, 100, "99.00")
    # the path reaches 99 after 1/3.5 of the bar; 10% of the rest's volume trades there
    traded = 10_000 * (1 - 1 / 3.5) * 0.1
    first = match(model, spec, b=touch)  # 500 ahead (5% of 10k), ~714 traded
    assert first.qty == Decimal(100)
    assert first.price == Decimal("99.00")
    behind = match(model, spec, b=touch, queue=5_000.0)
    assert behind.qty == 0
    assert behind.queue_ahead == pytest.approx(5_000 - traded)


def test_trading_through_the_limit_clears_the_queue():
    model = FillModel.realistic()
    through = bar(T0, 100, 101, 98, 100.5, volume=10_000)
    m = match(model, lmt(Side.BUY, 100, "99.00"), b=through, queue=1e9)
    assert m.qty == Decimal(100)
    assert m.queue_ahead == 0


def test_marketable_limit_never_fills_beyond_its_limit():
    model = FillModel.realistic()
    # open 100 is at the limit, so costs would push a buy above it: it rests instead
    m = match(model, lmt(Side.BUY, 10, "100.00"), b=bar(T0, 100, 100.4, 99.95, 100.2))
    assert m.qty == 0 or m.price <= Decimal("100.00")


def test_buy_stop_triggers_when_the_path_reaches_it():
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(5),
        order_type=OrderType.STOP,
        stop_price=Decimal("101.50"),
    )
    m = match(FillModel.ideal(), spec)
    assert m.triggered
    assert m.price == Decimal("101.50")
    assert m.at == pytest.approx(0.2 + 0.6 * 2.5 / 3)
    assert not match(FillModel.ideal(), spec, b=bar(T0, 100, 101, 99, 100.5)).triggered


def test_fill_timestamps_follow_readiness():
    m = match(FillModel.ideal(), mkt(Side.BUY, 1), start=0.5)
    assert m.at == 0.5
    assert m.price == Decimal("100.50")
    assert timedelta(seconds=m.at * 60) == timedelta(seconds=30)
