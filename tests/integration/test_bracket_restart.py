"""A bracketed position outlives a restart: its legs stay ours, its exit still sells.

The entry's acknowledgement named its legs in the first process; the second one
learns them again from the store and the broker before it applies any event
(:func:`~tradecore.services.trading.recovery.recover`). Regression: after a restart
the legs' events were adopted as *external* orders, and the strategy's exit was
refused (``insufficient_qty_available``: the legs still held the shares) because the
new process did not know to cancel them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.test_restart import World
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.orders.spec import Side
from tradecore.domain.strategies.protocol import PortfolioView, Protection, Target
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler
from tradecore.services.trading.engine import TradingEngine
from tradecore.services.trading.engine_config import EngineConfig
from tradecore.services.trading.recovery import recover


class InThenOut:
    """100 AAPL with a 5% bracket (then ``more`` shares, protected by a stop on each
    fill: adding to a position carries no bracket) until told to go flat."""

    strategy_id = "in_then_out"

    def __init__(self, more: int = 0) -> None:
        self.out = False
        self.more = more
        self.bars = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        view: PortfolioView,
    ) -> list[Target]:
        self.bars += 1
        if self.out:
            return [Target(symbol, Decimal(0), signal="out")]
        # A resting take-profit would make the added buy a potential wash trade
        # (Alpaca refuses it): the adding case protects with a stop only.
        take_profit = None if self.more else 500.0
        protection = Protection(stop_loss_bps=500, take_profit_bps=take_profit)
        qty = Decimal(100 + (self.more if self.bars > 1 else 0))
        return [Target(symbol, qty, signal="in", protection=protection)]


def _process(world: World, store, strategy: InThenOut):  # type: ignore[no-untyped-def]
    commits = CommitEachStep(store)
    orders = OrderManager(world, world.clock, commits)
    engine = TradingEngine(
        strategy,
        orders,
        commits,
        world.clock,
        EngineConfig(opening_cash=Decimal(1_000_000)),
    )
    return engine, Reconciler(world, world.clock, commits, orders, heal=True), commits


@pytest.mark.parametrize("more", [0, 50])
def test_after_a_restart_the_exit_cancels_the_protection_and_sells(
    tmp_path: Path, more: int
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    world = World()
    store = open_store(url, upgrade=True)
    first, _, _ = _process(world, store, InThenOut(more))
    for _ in range(3):  # placed, filled; the take-profit leg rests
        world.step(first)
    store.close()

    world.step(None)  # the legs' events wait at the broker while we are down
    store = open_store(url)
    strategy = InThenOut()
    second, reconciler, commits = _process(world, store, strategy)
    report = recover(second, reconciler, world, commits)
    strategy.out = True
    for _ in range(3):
        world.step(second)

    with store.unit_of_work() as uow:
        intents = uow.intents.by_status(*IntentStatus)
        outcomes = uow.decisions.all_outcomes()
    store.close()
    assert not [d for d in report.discrepancies if d.kind == "external_order"]
    policies = sorted(i.execution_policy for i in intents)
    assert "external" not in policies
    assert "bracket_leg" in policies
    assert ("protective" in policies) == bool(more)
    # Nothing protective is left working once the position is flat.
    assert not [
        i
        for i in intents
        if i.execution_policy in ("protective", "bracket_leg") and not i.is_terminal
    ]
    skipped = [o.reason for o in outcomes if o.kind is OutcomeKind.SKIPPED]
    assert "broker_rules:insufficient_qty_available" not in skipped
    exits = [
        i
        for i in intents
        if i.spec.side is Side.SELL
        and i.execution_policy not in ("bracket_leg", "protective")
    ]
    assert [i.status for i in exits] == [IntentStatus.FILLED]
    assert second.ledger.position("AAPL") == 0
    assert not [p for p in world.positions() if p.qty]
