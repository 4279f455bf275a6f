"""Reconciliation heals (issue 17): it adopts the broker's truth, never trades.

The simulated broker stands in for Alpaca; orders "placed outside tradecore" are
submitted to it directly under ids no decision of ours derives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import key
from tests.risk_support import RecordingAlerter, audit_rows
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.adapters.sqlstore.store import SqlStore
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.adoption import (
    ADJUSTMENT_POLICY,
    EXTERNAL,
    adjustment_id,
)
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.alerts import AlertCode
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
FIVE = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(5))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'heal.db'}", upgrade=True)
    yield opened
    opened.close()


class World:
    """A simulated broker, its clock, an order manager and a healing reconciler."""

    def __init__(self, store: Store, *, heal: bool = True) -> None:
        self.store = store
        self.clock = SimClock(T0)
        config = VenueConfig(
            seed=1, fill_model=FillModel.ideal(), calendar=MarketCalendar.always_open()
        )
        self.broker = SimulatedBroker(self.clock, config)
        self.commits = CommitEachStep(store)
        self.orders = OrderManager(self.broker, self.clock, self.commits)
        self.alerter = RecordingAlerter()
        self.reconciler = Reconciler(
            self.broker,
            self.clock,
            self.commits,
            self.orders,
            alerter=self.alerter,
            heal=heal,
        )
        self.bar()

    def bar(self) -> None:
        """Let a minute pass and show the market a bar (working orders fill)."""
        self.clock.advance(60)
        self.broker.on_bar(
            Bar(symbol="AAPL", timestamp=self.clock.now(), open=100.0, high=101.0,
                low=99.0, close=100.0, volume=1e6)
        )  # fmt: skip
        self.clock.advance(60)

    def apply_events(self) -> None:
        for event in self.broker.poll_events():
            with self.commits.step() as uow:
                self.orders.apply(uow, event)

    def ledger(self) -> Ledger:
        with self.store.unit_of_work() as uow:
            return Ledger.opening(Decimal(0)).apply_all(uow.fills.all())

    def intents(self) -> list[OrderIntent]:
        with self.store.unit_of_work() as uow:
            return list(uow.intents.by_status(*IntentStatus))

    def audit(self, kind: str) -> list[dict[str, Any]]:
        with self.store.unit_of_work() as uow:
            assert uow.audit.verify().intact
        assert isinstance(self.store, SqlStore)
        path = self.store.engine.url.database
        assert path is not None
        return [payload for _, payload in audit_rows(Path(path), kind)]


def test_an_open_order_placed_outside_tradecore_is_adopted_as_external(
    store: Store,
) -> None:
    world = World(store)
    placed = world.broker.submit("web-ui-1", FIVE)
    report = world.reconciler.run()
    (intent,) = world.intents()
    assert intent.client_order_id == "web-ui-1"
    assert intent.broker_order_id == placed.broker_order_id
    assert intent.execution_policy == EXTERNAL
    assert intent.decision_key.strategy_id == EXTERNAL
    assert intent.status is IntentStatus.ACKED
    assert [h.kind for h in report.healed] == ["external_order"]
    assert "orphaned_order" not in {d.kind for d in report.discrepancies}
    (audited,) = world.audit("reconcile_healed")
    assert audited["before"] == {"intent": "none"}
    assert audited["after"]["status"] == "acked"
    assert AlertCode.RECONCILE_HEALED.value in world.alerter.codes()
    # Its fill, when it comes, is ours to book like any other: the ledger follows.
    world.bar()
    world.apply_events()
    assert world.ledger().position("AAPL") == Decimal(5)
    assert world.reconciler.run().positions[0].drift == 0


def test_without_heal_an_external_order_is_only_reported(store: Store) -> None:
    world = World(store, heal=False)
    world.broker.submit("web-ui-1", FIVE)
    report = world.reconciler.run()
    assert world.intents() == []
    assert [d.kind for d in report.discrepancies] == ["orphaned_order"]
    assert report.healed == ()


def test_an_external_order_seen_only_in_events_is_adopted_when_confirmed(
    store: Store,
) -> None:
    """Filled before any pass saw it open: its events named an id we do not know."""
    world = World(store)
    world.broker.submit("web-ui-2", FIVE)
    world.bar()
    world.apply_events()  # no intent matches: remembered as unknown
    assert list(world.orders.unknown_orders()) == ["web-ui-2"]
    first = world.reconciler.run(while_running=True)
    assert world.intents() == []  # its events may still be on their way: wait
    assert {d.kind for d in first.discrepancies} >= {"external_order"}
    assert first.healed == ()
    second = world.reconciler.run(while_running=True)
    (intent,) = world.intents()
    assert intent.client_order_id == "web-ui-2"
    assert intent.status is IntentStatus.FILLED
    assert [h.kind for h in second.healed] == ["external_order"]
    assert world.ledger().position("AAPL") == Decimal(5)
    assert world.orders.unknown_orders() == {}


def test_a_missed_fill_is_applied_on_the_pass_that_finds_it_again(
    store: Store,
) -> None:
    world = World(store)
    intent = OrderIntent.create(key(qty=Decimal(5)), FIVE, decided_at=T0)
    decision = DecisionRecord(
        decision_id="d-1",
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=T0,
        details={"client_order_id": intent.client_order_id},
    )
    world.orders.place(decision, intent)
    world.bar()  # filled at the broker; the fill event is never applied (missed)
    first = world.reconciler.run(while_running=True)
    kinds = {d.kind: d for d in first.discrepancies}
    assert kinds["fill_gap"].theirs == "5"
    assert "orders are working" in kinds["phantom_position"].action
    assert world.ledger().position("AAPL") == 0
    second = world.reconciler.run(while_running=True)
    (healing,) = second.healed
    assert healing.kind == "missed_fill"
    assert healing.before["filled_qty"] == "0"
    assert healing.after == {
        "status": "filled",
        "filled_qty": "5",
        "broker_order_id": healing.after["broker_order_id"],
    }
    assert world.ledger().position("AAPL") == Decimal(5)


def test_position_drift_is_healed_by_a_deterministic_adjustment_not_a_trade(
    store: Store,
) -> None:
    """The broker holds 5 shares no order of ours (nor any event) explains."""
    world = World(store)
    world.broker.submit("web-ui-3", FIVE)
    world.bar()
    world.broker.poll_events()  # lost: never reach our order manager
    orders_before = len(world.broker.open_orders())
    report = world.reconciler.run()
    expected = adjustment_id("AAPL", Decimal(0), Decimal(5), 0)
    (healing,) = report.healed
    assert healing.kind == "position_adjustment"
    assert healing.client_order_id == expected
    assert healing.before == {"ledger_qty": "0", "broker_qty": "5"}
    (adjustment,) = world.intents()
    assert adjustment.execution_policy == ADJUSTMENT_POLICY
    assert adjustment.status is IntentStatus.FILLED
    assert world.ledger().position("AAPL") == Decimal(5)
    assert len(world.broker.open_orders()) == orders_before  # nothing was traded
    (check,) = report.positions
    assert (check.broker_qty, check.ledger_qty, check.healed_qty) == (5, 0, 5)
    codes = world.alerter.codes()
    assert AlertCode.RECONCILE_DRIFT.value in codes
    assert AlertCode.RECONCILE_HEALED.value in codes
    # Healed once: the next pass finds the books level and records nothing more.
    again = world.reconciler.run()
    assert again.healed == ()
    assert len(world.intents()) == 1
    with store.unit_of_work() as uow:
        assert [c.healed_qty for c in uow.positions.latest_checks()] == [5]


def test_drift_in_a_symbol_with_an_order_working_waits(store: Store) -> None:
    world = World(store)
    world.broker.submit("web-ui-4", FIVE)
    world.bar()
    world.broker.poll_events()
    world.broker.submit(
        "web-ui-5",
        OrderSpec(
            symbol="AAPL",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            qty=Decimal(1),
            limit_price=Decimal(1),
        ),
    )
    # Not healing: the working order is adopted, the drift waits for a quiet symbol.
    report = world.reconciler.run()
    kinds = {d.kind: d for d in report.discrepancies}
    assert "orders are working" in kinds["phantom_position"].action
    assert [h.kind for h in report.healed] == ["external_order"]
    assert world.ledger().position("AAPL") == 0
