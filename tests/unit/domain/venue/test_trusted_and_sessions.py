"""The venue's shortcuts give what the long way gives.

``trusted_builder`` builds the venue's events, fills and broker orders without their
validators: equal to the validated objects, and refused for a class it cannot copy
field by field. (The calendar answers the venue's per-order session questions from
the span at hand itself: ``tests/unit/domain/market/test_calendar.py``.)
"""

from datetime import UTC, datetime
from decimal import Decimal

import attrs
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.simulated import SimVenue
from tradecore.ports.broker import BrokerOrder

AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


def _fill_values() -> dict[str, object]:
    return {
        "execution_id": "e-1",
        "client_order_id": "c-1",
        "symbol": "AAPL",
        "side": Side.SELL,
        "qty": Decimal(100),
        "price": Decimal("101.25"),
        "filled_at": AT,
    }


def test_trusted_objects_equal_validated_ones_defaults_included():
    fill = trusted_builder(Fill)(**_fill_values())
    assert fill == Fill(**_fill_values())  # type: ignore[arg-type]
    assert fill.fee == Decimal(0)
    event = trusted_builder(OrderEvent)(
        kind=OrderEventKind.FILL, client_order_id="c-1", occurred_at=AT, fill=fill
    )
    checked = OrderEvent(
        kind=OrderEventKind.FILL, client_order_id="c-1", occurred_at=AT, fill=fill
    )
    assert event == checked
    assert event.reason is None
    values = {
        "broker_order_id": "b-1",
        "client_order_id": "c-1",
        "spec": OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1)),
        "status": BrokerOrderStatus.NEW,
        "submitted_at": AT,
        "updated_at": AT,
    }
    assert trusted_builder(BrokerOrder)(**values) == BrokerOrder(**values)  # type: ignore[arg-type]


def test_trusted_builder_wants_factory_fields_and_refuses_unknown_or_missing_ones():
    @attrs.frozen
    class WithFactory:
        items: list[int] = attrs.Factory(list)

    with pytest.raises(TypeError, match="items"):
        trusted_builder(WithFactory)()  # a factory's field must be given
    assert trusted_builder(WithFactory)(items=[1]) == WithFactory(items=[1])

    @attrs.frozen
    class Converting:
        x: int = attrs.field(converter=int)

    with pytest.raises(TypeError, match=r"Converting\.x"):
        trusted_builder(Converting)
    build = trusted_builder(Fill)
    with pytest.raises(TypeError):
        build(**_fill_values(), colour="red")
    with pytest.raises(TypeError):
        build(symbol="AAPL")


def test_the_venue_refuses_a_time_that_is_not_utc():
    venue = SimVenue(VenueConfig(seed=0, calendar=MarketCalendar.always_open()))
    with pytest.raises(InvalidInput, match="now"):
        venue.advance_to(datetime(2026, 1, 5, 15, 0))  # naive on purpose


def test_trusted_builder_sets_fields_of_a_class_without_slots_too():
    @attrs.frozen(slots=False)
    class Plain:
        name: str = attrs.field(validator=attrs.validators.min_len(1))
        size: int = 1

    built = trusted_builder(Plain)(name="x")
    assert built == Plain(name="x")
    assert built.size == 1
