"""Batched adoption reconciles exactly as adopting one intent at a time did (issue 18).

The reconciler writes the plain status moves (acks, cancels) of a pass in one
``update_many`` batch. This compares it, on random mixes of what the broker did
while we were away, with a reconciler that adopts each intent in its own calls (the
way every pass ran before): the same report, the same intents (status, version,
fills counted) and the same fills, on two copies of one world built the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import ConcurrencyConflict
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Healing, Reconciler, _healing

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
RESTING = OrderSpec(
    symbol="AAPL",
    side=Side.BUY,
    qty=Decimal(1),
    order_type=OrderType.LIMIT,
    limit_price=Decimal("1.00"),
)
MARKET = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
#: What the broker did with an order while no one applied its events; whether our
#: store heard the acknowledgement.
KINDS = (
    "resting",  # working at the broker
    "filled",  # filled
    "canceled",  # canceled
    "never_arrived",  # the broker never got it (a SUBMITTED one is resent)
)


class OneAtATime(Reconciler):
    """Adopts each intent in its own calls: the reconciler before the batch."""

    def _adopt_all(
        self,
        behind: Sequence[tuple[OrderIntent, BrokerOrder, Sequence[OrderEvent]]],
        healed: list[Healing],
    ) -> None:
        with self._commits.step() as uow:
            for intent, order, _ in behind:
                before = intent
                try:
                    after = self._orders.adopt(uow, before, order, stored=True)
                except ConcurrencyConflict:
                    before = uow.intents.get(intent.client_order_id)
                    after = self._orders.adopt(uow, before, order, stored=True)
                if after.filled_qty != before.filled_qty:
                    healed.append(
                        _healing("missed_fill", "applied the fill", before, after)
                    )


def _intent(n: int, spec: OrderSpec) -> OrderIntent:
    key = DecisionKey(
        strategy_id="eq",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2026, 1, 5),
        horizon="1d",
        signal_hash=f"e{n}",
        qty=Decimal(1),
    )
    return mark_submitted(OrderIntent.create(key, spec, decided_at=T0), T0)


def _bar(broker: SimulatedBroker, clock: SimClock) -> None:
    broker.on_bar(
        Bar(symbol="AAPL", timestamp=clock.now(), open=100.0, high=101.0,
            low=99.0, close=100.0, volume=1e6)
    )  # fmt: skip


def _world(path: Path, mix: list[tuple[str, bool]], batched: bool) -> dict[str, Any]:
    """Build the world ``mix`` describes in a fresh store at ``path``; reconcile it."""
    clock = SimClock(T0)
    config = VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(10**9),
    )
    broker = SimulatedBroker(clock, config)
    _bar(broker, clock)
    store = open_store(f"sqlite:///{path}", upgrade=True)
    try:
        with store.unit_of_work() as uow:
            for n, (kind, heard_ack) in enumerate(mix):
                intent = _intent(n, MARKET if kind == "filled" else RESTING)
                stored = uow.intents.update(uow.intents.create(intent))
                broker_id = f"lost-{n}"
                if kind != "never_arrived":
                    order = broker.submit(intent.client_order_id, intent.spec)
                    broker_id = order.broker_order_id
                    if kind == "canceled":
                        broker.cancel(broker_id)
                if heard_ack:
                    ack = OrderEvent(
                        kind=OrderEventKind.ACCEPTED,
                        client_order_id=intent.client_order_id,
                        occurred_at=T0,
                        broker_order_id=broker_id,
                    )
                    uow.intents.update(apply_event(stored, ack).intent)
            uow.commit()
        clock.advance(60)
        _bar(broker, clock)
        clock.advance(60)
        broker.poll_events()  # the broker moved on; the store heard none of it
        commits = CommitEachStep(store)
        manager = OrderManager(broker, clock, commits)
        kind_of = Reconciler if batched else OneAtATime
        report = kind_of(broker, clock, commits, manager).run()
        with store.unit_of_work() as uow:
            intents = list(uow.intents.by_status(*IntentStatus))
            fills = list(uow.fills.all())
        return {"report": attrs.asdict(report), "intents": intents, "fills": fills}
    finally:
        store.close()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    mix=st.lists(
        st.tuples(st.sampled_from(KINDS), st.booleans()), min_size=1, max_size=12
    )
)
def test_batched_adoption_matches_one_at_a_time(
    tmp_path_factory: Any, mix: list[tuple[str, bool]]
) -> None:
    folder = tmp_path_factory.mktemp("eq")
    batched = _world(folder / "batched.db", mix, batched=True)
    single = _world(folder / "single.db", mix, batched=False)
    assert batched == single
    # the mix reached every path it names: nothing is still SUBMITTED
    assert IntentStatus.SUBMITTED not in {i.status for i in batched["intents"]}
