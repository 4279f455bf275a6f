"""Every event sequence the simulated broker emits is legal for the intent lifecycle."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from tests.property.sim_flow import make_broker, random_steps, run_flow
from tradecore.adapters.sim import SimulatedBroker
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.venue.fill_models import FillModel

FINAL = frozenset({"filled", "canceled", "expired", "rejected", "replaced"})


def submitted_intent(broker: SimulatedBroker, client_id: str) -> OrderIntent:
    order = broker.get_order_by_client_id(client_id)
    assert order.spec.qty is not None
    key = DecisionKey(
        strategy_id="sim",
        symbol=order.spec.symbol,
        side=order.spec.side,
        session_date=date(2026, 1, 5),
        horizon="1d",
        signal_hash="0",
        qty=order.spec.qty,
    )
    intent = OrderIntent.create(key, order.spec, decided_at=order.submitted_at)
    intent = attrs.evolve(intent, client_order_id=client_id)
    return mark_submitted(intent, order.submitted_at)


@pytest.mark.parametrize("model", [FillModel.ideal(), FillModel.realistic()])
@pytest.mark.parametrize("flow_seed", range(4))
def test_intents_follow_every_event_and_end_where_the_broker_says(model, flow_seed):
    broker, clock = make_broker(5, model)
    intents: dict[str, OrderIntent] = {}
    for event in run_flow(broker, clock, random_steps(flow_seed)):
        cid = event.client_order_id
        intent = intents.get(cid) or submitted_intent(broker, cid)
        intents[cid] = apply_event(intent, event).intent
    for cid, intent in intents.items():
        order = broker.get_order_by_client_id(cid)
        assert intent.filled_qty == order.filled_qty
        if order.status.value in FINAL:
            assert intent.status.value == order.status.value
