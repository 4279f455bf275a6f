"""Catch-up events are built without their validators: they equal validated ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest

from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.catch_up import catch_up_events
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.intent import OrderIntent, mark_submitted
from tradecore.domain.orders.spec import OrderSpec, Side

_AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _submitted() -> OrderIntent:
    spec = OrderSpec(symbol="MSFT", side=Side.BUY, qty=Decimal(100))
    key = DecisionKey(
        strategy_id="breakout",
        symbol="MSFT",
        side=Side.BUY,
        session_date=_AT.date(),
        horizon="1bar",
        signal_hash="a" * 32,
        qty=Decimal(100),
    )
    return mark_submitted(OrderIntent.create(key, spec, decided_at=_AT), _AT)


@pytest.mark.parametrize("status", list(BrokerOrderStatus))
@pytest.mark.parametrize("filled", [Decimal(0), Decimal(40), Decimal(100)])
def test_catch_up_events_equal_validated_events(
    status: BrokerOrderStatus, filled: Decimal
) -> None:
    events = catch_up_events(
        _submitted(),
        status=status,
        filled_qty=filled,
        filled_avg_price=Decimal("10.5") if filled else None,
        broker_order_id="b-1",
        as_of=_AT + timedelta(seconds=1),
    )
    for event in events:
        attrs.validate(event)  # type: ignore[arg-type]
        assert event == OrderEvent(**attrs.asdict(event, recurse=False))
