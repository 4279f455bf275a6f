"""The Alpaca adapter's tables and conversions, against alpaca-py's own enums/models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alpaca.trading.enums import OrderClass, OrderStatus, TradeEvent
from alpaca.trading.models import Order

from tradecore.adapters.alpaca import _sdk  # noqa: F401 - imports alpaca-py quietly
from tradecore.adapters.alpaca.mapping import (
    EVENT_RULES,
    STATUS_OF,
    UNKNOWN_EVENT,
    Action,
    broker_order,
    decimal,
    event_rule,
    order_request,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.broker_status import INTENT_STATUS_OF, BrokerOrderStatus
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)

#: Events Alpaca documents or was seen sending that alpaca-py passes as plain strings.
STRING_EVENTS = [
    "done_for_day", "stopped", "calculated", "suspended", "order_replace_rejected",
    "order_cancel_rejected", "held", "trade_bust", "trade_correct",
]  # fmt: skip

ORDER = {
    "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
    "client_order_id": "my-id-1",
    "created_at": "2021-03-16T18:38:01.942282Z",
    "updated_at": "2021-03-16T14:38:01.942282-04:00",
    "submitted_at": "2021-03-16T18:38:01.937734Z",
    "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
    "symbol": "AAPL",
    "asset_class": "us_equity",
    "notional": None,
    "qty": "10",
    "filled_qty": "4",
    "filled_avg_price": "101.2345",
    "order_class": "",
    "order_type": "limit",
    "type": "limit",
    "side": "buy",
    "time_in_force": "gtc",
    "limit_price": "102.5",
    "stop_price": None,
    "status": "partially_filled",
    "extended_hours": False,
    "legs": None,
}


def test_every_sdk_order_status_maps_to_the_domain_status_of_the_same_name() -> None:
    assert set(STATUS_OF) == set(OrderStatus)
    for sdk_status, ours in STATUS_OF.items():
        assert ours.value == sdk_status.value
    assert set(STATUS_OF.values()) == set(BrokerOrderStatus) == set(INTENT_STATUS_OF)


@pytest.mark.parametrize("event", [*TradeEvent, *STRING_EVENTS])
def test_every_trade_update_event_has_an_explicit_rule(event: object) -> None:
    name = getattr(event, "value", event)
    assert name in EVENT_RULES, f"no rule for trade-update event {name!r}"
    rule = event_rule(event)
    assert (rule.action is Action.EMIT) == (rule.kind is not None)


def test_an_event_nobody_has_seen_resyncs_and_alerts() -> None:
    assert event_rule("brand_new_event") is UNKNOWN_EVENT
    assert UNKNOWN_EVENT.action is Action.ALERT


def test_the_lifecycle_events_map_one_to_one() -> None:
    emitted = {r.kind for r in EVENT_RULES.values() if r.action is Action.EMIT}
    assert emitted == set(OrderEventKind) - {OrderEventKind.FAILED}
    assert event_rule(TradeEvent.NEW).kind is OrderEventKind.ACCEPTED
    assert event_rule("partial_fill").kind is OrderEventKind.PARTIAL_FILL


def test_a_rest_order_becomes_a_broker_order_with_exact_decimals_in_utc() -> None:
    order = broker_order(Order(**ORDER))
    assert order.broker_order_id == ORDER["id"]
    assert order.status is BrokerOrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Decimal(4)
    assert order.filled_avg_price == Decimal("101.2345")
    assert order.updated_at == datetime(2021, 3, 16, 18, 38, 1, 942282, tzinfo=UTC)
    assert order.spec == OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        qty=Decimal(10),
        limit_price=Decimal("102.5"),
    )


def test_a_nested_bracket_gives_its_legs_take_profit_first() -> None:
    def leg(leg_id: str, kind: str, **prices: str) -> dict[str, object]:
        fields = dict(ORDER, id=leg_id, type=kind, order_type=kind, side="sell")
        fields.update({"limit_price": None, "stop_price": None, "status": "held"})
        fields.update(prices)
        return fields

    stop = leg("00000000-0000-0000-0000-000000000002", "stop", stop_price="95")
    take = leg("00000000-0000-0000-0000-000000000001", "limit", limit_price="110")
    parent = dict(ORDER, order_class="bracket", type="market", limit_price=None)
    parent["legs"] = [stop, take]
    order = broker_order(Order(**parent))
    assert order.leg_ids == (take["id"], stop["id"])
    assert order.spec.bracket == Bracket(
        take_profit_limit=Decimal(110), stop_loss_stop=Decimal(95)
    )


def test_sdk_floats_become_their_shortest_decimal() -> None:
    assert decimal(0.1) == Decimal("0.1")
    assert decimal("101.2345") == Decimal("101.2345")
    assert decimal(None) is None


def test_order_requests_carry_every_field_alpaca_py_sends() -> None:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.SELL,
        order_type=OrderType.STOP_LIMIT,
        time_in_force=TimeInForce.DAY,
        qty=Decimal("2.5"),
        limit_price=Decimal("99.5"),
        stop_price=Decimal("100"),
    )
    fields = order_request("cid-1", spec).to_request_fields()
    assert fields == {
        "symbol": "AAPL",
        "side": "sell",
        "type": "stop_limit",
        "time_in_force": "day",
        "client_order_id": "cid-1",
        "qty": 2.5,
        "limit_price": 99.5,
        "stop_price": 100.0,
    }


def test_a_one_sided_bracket_is_sent_as_oto() -> None:
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(1),
        bracket=Bracket(stop_loss_stop=Decimal(90), stop_loss_limit=Decimal("89.5")),
    )
    request = order_request("cid-2", spec)
    assert request.order_class is OrderClass.OTO
    assert request.stop_loss is not None
    assert request.stop_loss.limit_price == 89.5
    assert request.take_profit is None


def test_a_quantity_a_float_cannot_carry_is_refused_before_sending() -> None:
    spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal("1.12345678901234567"))
    with pytest.raises(InvalidInput, match="qty"):
        order_request("cid-3", spec)
