"""The engine asks the broker first: an order it would refuse is a skip, not an intent.

``skipped(broker_rules:<rule>)`` with the rule, Alpaca's message and the rule's
source; no intent row, no client order id used, nothing sent; one outcome per
decision as always.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.errors import TransientBrokerError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import ShapeParams, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.orders.spec import OrderSpec, OrderType
from tradecore.domain.strategies.protocol import (
    NO_TARGETS,
    PortfolioView,
    Protection,
    Target,
)
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.execution.net_of_cost import NetOfCostConfig
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.trading import net_steps
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.replay import run_replay

D = Decimal
CASH = D(10_000_000)


class TargetsOnce:
    """Wants ``qty`` AAA on bar ``at`` (one target)."""

    strategy_id = "targets_once"

    def __init__(self, qty: Decimal, at: int = 40) -> None:
        self.qty, self.at, self.seen = qty, at, 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self.seen += 1
        return NO_TARGETS if self.seen != self.at else (Target(symbol, self.qty),)


class CountingBroker(SimulatedBroker):
    def __init__(self, clock: SimClock, config: VenueConfig) -> None:
        super().__init__(clock, config)
        self.submits: Counter[str] = Counter()

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self.submits[client_order_id] += 1
        return super().submit(client_order_id, spec)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def store(tmp_path: Path, clock: SimClock) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "rules.db", clock)
    yield opened
    opened.close()


def _frames() -> list[BarFrame]:
    params = ShapeParams(volatility=0.0005, volume=10_000.0)
    return generate_bars(("AAA",), 80, start=T0, seed=5, params=params)


def _run(
    store: SqlStore,
    clock: SimClock,
    qty: int,
    *,
    net: bool,
    assets: dict[str, AssetFlags] | None = None,
    account: AccountFlags | None = None,
) -> CountingBroker:
    broker = CountingBroker(
        clock,
        VenueConfig(
            seed=1,
            fill_model=FillModel.ideal(),
            calendar=MarketCalendar.always_open(),
            outside_hours=OutsideHours.QUEUE,
            starting_cash=CASH,
            assets=assets or {},
            account=account or AccountFlags(),
        ),
    )
    commits = CommitEachStep(store)
    config = EngineConfig(
        opening_cash=CASH,
        net_of_cost=(
            NetOfCostConfig(urgency_minutes=60.0, spread_bps=4.0) if net else None
        ),
    )
    engine = TradingEngine(
        TargetsOnce(D(qty)),
        OrderManager(broker, clock, commits),
        commits,
        clock,
        config,
    )
    run_replay(_frames(), engine, broker, clock, interval=timedelta(minutes=1))
    return broker


def _skips(store: SqlStore) -> list:
    with store.unit_of_work() as uow:
        outcomes = uow.decisions.all_outcomes()
        decisions = uow.decisions.all_decisions()
    # Every decision has exactly one outcome.
    assert Counter(o.decision_id for o in outcomes) == Counter(
        d.decision_id for d in decisions
    )
    return [o for o in outcomes if o.kind is OutcomeKind.SKIPPED]


def _intents(store: SqlStore) -> list:
    with store.unit_of_work() as uow:
        return list(uow.intents.by_status(*IntentStatus))


def test_a_short_of_a_non_shortable_asset_is_skipped_not_sent(store, clock) -> None:
    assets = {"AAA": AssetFlags(symbol="AAA", shortable=False)}
    broker = _run(store, clock, -10, net=False, assets=assets)
    (skip,) = _skips(store)
    assert skip.reason == "broker_rules:asset_not_shortable"
    assert skip.details["rule"] == "asset_not_shortable"
    assert skip.details["message"] == 'asset "AAA" cannot be sold short'
    assert "Alpaca-API#86" in skip.details["source"]
    assert skip.client_order_id is None
    assert _intents(store) == []
    assert not broker.submits


def test_the_net_of_cost_path_skips_a_short_from_a_cash_account(store, clock) -> None:
    broker = _run(store, clock, -50, net=True, account=AccountFlags(multiplier=1))
    (skip,) = _skips(store)
    assert skip.reason == "broker_rules:shorting_not_allowed"
    assert skip.details["message"] == "account is not allowed to short"
    assert _intents(store) == []
    assert not broker.submits


def test_a_sub_penny_child_slice_is_skipped_and_ends_its_parent(
    store, clock, monkeypatch
) -> None:
    # A policy that priced slices off the tick (patched in): every slice breaks
    # Alpaca's sub-penny rule, so the first is skipped and the parent ends.
    monkeypatch.setattr(net_steps, "limit_price", lambda *a: D("100.123"))
    broker = _run(store, clock, 20_000, net=True)
    skips = _skips(store)
    reasons = [s.reason for s in skips]
    assert "broker_rules:sub_penny_price" in reasons
    assert "parent_canceled" in reasons
    breach = next(s for s in skips if s.reason == "broker_rules:sub_penny_price")
    assert "sub-penny increment" in breach.details["message"]
    assert _intents(store) == []
    assert not broker.submits


def test_orders_the_broker_takes_are_placed_as_before(store, clock) -> None:
    broker = _run(store, clock, 10, net=False)
    assert not _skips(store)
    assert [i.status for i in _intents(store)] == [IntentStatus.FILLED]
    assert sum(broker.submits.values()) == 1


class RefusesStops(CountingBroker):
    """A broker whose rules refuse stop orders (and, optionally, one quantity)."""

    refused_qty: Decimal | None = None

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        if spec.order_type is OrderType.STOP or spec.qty == self.refused_qty:
            return RuleBreach(rule="test_rule", message="refused", source="test")
        return super().rule_breach(spec)


class Steps:
    """Target 5 AAA on bar 2, then 12 with a stop-loss on bar 4 (not from flat)."""

    strategy_id = "steps"

    def __init__(self) -> None:
        self.seen = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self.seen += 1
        if self.seen == 2:
            return (Target(symbol, D(5)),)
        if self.seen == 4:
            return (Target(symbol, D(12), protection=Protection(stop_loss_bps=100)),)
        return NO_TARGETS


def _venue(cash: Decimal) -> VenueConfig:
    return VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=MarketCalendar.always_open(),
        outside_hours=OutsideHours.QUEUE,
        starting_cash=cash,
    )


def test_a_protective_order_the_broker_refuses_is_skipped(store, clock) -> None:
    broker = RefusesStops(clock, _venue(CASH))
    commits = CommitEachStep(store)
    engine = TradingEngine(
        Steps(),
        OrderManager(broker, clock, commits),
        commits,
        clock,
        EngineConfig(opening_cash=CASH),
    )
    run_replay(_frames(), engine, broker, clock, interval=timedelta(minutes=1))
    (skip,) = _skips(store)
    assert skip.reason == "broker_rules:test_rule"
    assert skip.details == {"rule": "test_rule", "message": "refused", "source": "test"}
    assert [i.spec.order_type for i in _intents(store)] == [OrderType.MARKET] * 2
    assert sum(broker.submits.values()) == 2


def test_a_rejection_retry_the_broker_refuses_is_skipped(store, clock) -> None:
    # 1000 shares need 100,000 and 40,000 is there: rejected; the policy's
    # half-size retry (500) breaks a broker rule and is skipped, not sent.
    broker = RefusesStops(clock, _venue(D(40_000)))
    broker.refused_qty = D(500)
    commits = CommitEachStep(store)
    orders = OrderManager(broker, clock, commits)
    handler = RejectionHandler(orders, clock, RecordingAlerter())
    engine = TradingEngine(
        TargetsOnce(D(1000), at=2),
        orders,
        commits,
        clock,
        EngineConfig(opening_cash=D(40_000), rejections=handler),
    )
    run_replay(_frames(), engine, broker, clock, interval=timedelta(minutes=1))
    (skip,) = _skips(store)
    assert skip.reason == "broker_rules:test_rule"
    assert [(i.attempt, i.status) for i in _intents(store)] == [
        (1, IntentStatus.REJECTED)
    ]
    assert sum(broker.submits.values()) == 1


class CannotCheck(CountingBroker):
    """A broker whose pre-send check cannot read what it needs right now."""

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        raise TransientBrokerError("asset lookup timed out")


def test_a_check_that_cannot_be_made_lets_the_broker_decide(store, clock) -> None:
    broker = CannotCheck(clock, _venue(CASH))
    commits = CommitEachStep(store)
    engine = TradingEngine(
        TargetsOnce(D(10), at=2),
        OrderManager(broker, clock, commits),
        commits,
        clock,
        EngineConfig(opening_cash=CASH),
    )
    run_replay(_frames(), engine, broker, clock, interval=timedelta(minutes=1))
    assert not _skips(store)
    assert [i.status for i in _intents(store)] == [IntentStatus.FILLED]
