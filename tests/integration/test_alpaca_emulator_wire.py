"""Every JSON body and stream frame the emulator sends parses with alpaca-py's models.

The emulator records what it sends; a scenario touches every endpoint (successes and
errors) and every common trade-update event; then each body is fed to the model
alpaca-py itself uses for that endpoint. A new endpoint without a model here fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from alpaca.trading.enums import OrderClass, QueryOrderStatus
from alpaca.trading.models import (
    Asset,
    Calendar,
    Clock,
    ClosePositionResponse,
    Order,
    Position,
    TradeAccount,
    TradeActivity,
    TradeUpdate,
)
from alpaca.trading.requests import (
    CancelOrderResponse,
    ClosePositionRequest,
    GetCalendarRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLossRequest,
    TakeProfitRequest,
    TrailingStopOrderRequest,
)

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness
from tests.contract.broker_contract import calm_bar, limit, market
from tradecore.adapters.alpaca._sdk import APIError, TradingClient
from tradecore.adapters.alpaca_emulator.app import WIRE
from tradecore.adapters.alpaca_emulator.control import HUB
from tradecore.domain.errors import TradecoreError
from tradecore.domain.orders.spec import Bracket, OrderSpec, Side

ONE = "one"
MANY = "many"
#: Route name -> (alpaca-py model, one object or a list).
MODELS: dict[str, tuple[type, str]] = {
    "submit_order": (Order, ONE),
    "get_order": (Order, ONE),
    "get_order_by_client_id": (Order, ONE),
    "replace_order": (Order, ONE),
    "close_position": (Order, ONE),
    "list_orders": (Order, MANY),
    "cancel_orders": (CancelOrderResponse, MANY),
    "list_positions": (Position, MANY),
    "get_position": (Position, ONE),
    "close_all_positions": (ClosePositionResponse, MANY),
    "get_account": (TradeAccount, ONE),
    "get_clock": (Clock, ONE),
    "list_assets": (Asset, MANY),
    "get_asset": (Asset, ONE),
    "get_calendar": (Calendar, MANY),
    "fill_activities": (TradeActivity, MANY),
}
NO_BODY = {"cancel_order"}


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[list[tuple[str, int, bytes]], list[bytes]]]:
    h = AlpacaHarness("realistic", emulator={"record_wire": True})
    try:
        _scenario(h)
        yield list(h.server.app[WIRE]), list(h.server.app[HUB].recorded)
    finally:
        h.close()


def _expect_error(call: Any) -> None:
    with pytest.raises((APIError, TradecoreError)):
        call()


def _scenario(h: AlpacaHarness) -> None:
    client = TradingClient(
        CREDENTIALS.key_id, CREDENTIALS.secret_key, url_override=h.server.base_url
    )
    client._retry = 0
    broker = h.broker
    big = broker.submit("w-big", market(h, Side.BUY, 250))
    resting = broker.submit("w-rest", limit(h, Side.BUY, 5, "50.00"))
    bracket = Bracket(take_profit_limit=Decimal("130"), stop_loss_stop=Decimal("80"))
    broker.submit("w-bracket", OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(3),
                                         bracket=bracket))  # fmt: skip
    for _ in range(4):
        calm_bar(h, volume=2_000.0)
    h.drain()
    new = broker.replace(
        resting.broker_order_id, client_order_id="w-rest-2", limit_price=Decimal("51")
    )
    h.drain()
    broker.cancel(new.broker_order_id)
    h.drain()
    broker.get_order(big.broker_order_id)
    broker.get_order_by_client_id("w-big")
    for status in QueryOrderStatus:
        client.get_orders(GetOrdersRequest(status=status, nested=True))
    client.get_all_positions()
    client.get_open_position("AAPL")
    client.close_position("AAPL", ClosePositionRequest(qty="10"))
    _trailing_and_oco(h, client)
    broker.submit("w-cancel-all", limit(h, Side.BUY, 1, "45.00"))
    client.cancel_orders()
    client.get_account()
    client.get_clock()
    client.get_all_assets()
    client.get_asset("AAPL")
    client.get_calendar(
        GetCalendarRequest(start=date(2025, 11, 24), end=date(2026, 1, 9))
    )
    client.get("/account/activities/FILL", {"direction": "asc"})
    broker.submit("w-day", limit(h, Side.BUY, 1, "40.00"))
    h.advance(h.seconds_to_session_close() + 1)
    client.close_all_positions(cancel_orders=True)
    h.drain()
    _errors(h, client)


def _trailing_and_oco(h: AlpacaHarness, client: TradingClient) -> None:
    trailing = client.submit_order(
        TrailingStopOrderRequest(
            symbol="AAPL", qty=1, side="sell", time_in_force="day", trail_percent=1.5
        )
    )
    calm_bar(h, volume=2_000.0)
    client.replace_order_by_id(str(trailing.id), ReplaceOrderRequest(trail=2.5))
    client.submit_order(
        LimitOrderRequest(
            symbol="AAPL",
            qty=1,
            side="sell",
            time_in_force="gtc",
            order_class=OrderClass.OCO,
            take_profit=TakeProfitRequest(limit_price=140.0),
            stop_loss=StopLossRequest(stop_price=60.0),
        )
    )
    h.drain()


def _errors(h: AlpacaHarness, client: TradingClient) -> None:
    order = market(h, Side.BUY, 1)
    h.broker.submit("w-dup", order)
    _expect_error(lambda: h.broker.submit("w-dup", order))
    _expect_error(lambda: client.get_order_by_client_id("nope"))
    _expect_error(lambda: client.get_open_position("MSFT"))
    _expect_error(  # fractional orders are day orders only
        lambda: client.submit_order(
            MarketOrderRequest(symbol="AAPL", qty=0.5, side="buy", time_in_force="gtc")
        )
    )
    h.control.faults(storm=1, errors=1, error_status=500)
    _expect_error(client.get_account)
    _expect_error(client.get_account)
    _expect_error(lambda: h.broker.submit("w-too-big", market(h, Side.BUY, 100_000)))
    for key_id, secret in (("EMULATORKEY", "wrong"), ("WRONGKEY", "wrong")):
        wrong = TradingClient(key_id, secret, url_override=h.server.base_url)
        _expect_error(wrong.get_account)


def test_every_response_body_parses_with_alpaca_py_models(recorded) -> None:
    bodies, _ = recorded
    routes = {route for route, status, _ in bodies if status < 400}
    assert routes - NO_BODY == set(MODELS), "every endpoint exercised and modelled"
    for route, status, body in bodies:
        if status >= 400 or route in NO_BODY:
            continue
        model, shape = MODELS[route]
        data = json.loads(body)
        items = data if shape == MANY else [data]
        assert isinstance(items, list)
        for item in items:
            model(**item)


def test_orders_carry_numbers_as_strings(recorded) -> None:
    bodies, _ = recorded
    orders = [json.loads(b) for r, s, b in bodies if r == "get_order" and s == 200]
    assert orders
    parsed = Order(**orders[0])
    assert isinstance(parsed.filled_qty, str)
    assert isinstance(parsed.qty, str)
    account = next(json.loads(b) for r, s, b in bodies if r == "get_account")
    assert all(isinstance(account[k], str) for k in ("cash", "equity", "buying_power"))


def test_error_bodies_are_json_with_an_integer_code_when_they_have_one(
    recorded,
) -> None:
    bodies, _ = recorded
    errors = [(s, json.loads(b)) for _, s, b in bodies if s >= 400]
    statuses = {s for s, _ in errors}
    assert {401, 403, 404, 422, 429, 500} <= statuses
    for _, body in errors:
        assert isinstance(body["message"], str)
        assert "code" not in body or isinstance(body["code"], int)
        if "code" in body:  # Alpaca's 8 digits: an HTTP status and 10000/10001
            assert len(str(body["code"])) == 8


def test_every_stream_frame_parses_as_a_trade_update(recorded) -> None:
    _, frames = recorded
    events = set()
    for frame in frames:
        message = json.loads(frame)
        assert message["stream"] == "trade_updates"
        update = TradeUpdate(**message["data"])
        events.add(str(getattr(update.event, "value", update.event)))
        if update.event in ("fill", "partial_fill"):
            assert update.execution_id is not None
            assert update.price is not None
    assert {"new", "partial_fill", "fill", "pending_replace", "replaced"} <= events
    assert {"pending_cancel", "canceled", "expired"} <= events


def test_trailing_stops_and_oco_orders_render_as_alpaca_does(recorded) -> None:
    """Trail and hwm are strings; an OCO's take-profit is new, its stop-loss held."""
    bodies, _ = recorded
    orders = [json.loads(b) for r, s, b in bodies if r == "submit_order" and s == 200]
    replaced = [json.loads(b) for r, s, b in bodies if r == "replace_order"]
    trailing = next(o for o in orders if o["type"] == "trailing_stop")
    assert trailing["trail_percent"] == "1.5"
    assert isinstance(trailing["hwm"], str)
    assert isinstance(Order(**trailing).hwm, str)
    new_trail = next(o for o in replaced if o["type"] == "trailing_stop")
    assert new_trail["trail_percent"] == "2.5"
    oco = next(o for o in orders if o["order_class"] == "oco")
    parsed = Order(**oco)
    assert parsed.limit_price == "140"
    assert parsed.legs is not None
    assert [(leg.type.value, leg.status.value) for leg in parsed.legs] == [
        ("stop", "held")
    ]
