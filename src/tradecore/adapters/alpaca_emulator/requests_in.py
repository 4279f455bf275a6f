"""Parse the order requests clients send into the domain's order spec.

Accepts what alpaca-py sends (JSON numbers: ``"qty": 1.0``) and what Alpaca's docs
show (numeric strings: ``"qty": "1"``); numbers are read as exact decimals because
the app parses JSON with ``parse_float=Decimal``. Trailing stops (``trail_price`` or
``trail_percent``) and exit-only OCO orders (a limit whose ``take_profit`` is the order
itself, plus a ``stop_loss``) are modelled; anything else the emulator does not model
(multi-leg options) is refused with a 422 that says so, rather than half-emulated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)

_UNSUPPORTED_CLASSES = {"mleg": "multi-leg"}
MAX_CLIENT_ORDER_ID = 128


class RequestError(Exception):
    """A request the emulator refuses; becomes a 422 with Alpaca's code 40010001."""


def _decimal(body: dict[str, Any], key: str) -> Decimal | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise RequestError(f"{key} must be a number")
    try:
        result = Decimal(str(value).strip())
    except ArithmeticError:
        raise RequestError(f"invalid {key}: {value!r}") from None
    if not result.is_finite():
        raise RequestError(f"invalid {key}: {value!r}")
    return result


def _enum(kind: type[Any], body: dict[str, Any], key: str, default: Any = None) -> Any:
    value = body.get(key, default)
    if value is None:
        raise RequestError(f"{key} is required")
    if not isinstance(value, str):
        raise RequestError(f"{key} must be a string")
    try:
        return kind(value)
    except ValueError:
        raise RequestError(f"invalid {key}: {value!r}") from None


def _text(body: dict[str, Any], key: str, default: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise RequestError(f"{key} must be a string")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise RequestError(f"{key} must be true or false")
    return value


def client_order_id(body: dict[str, Any]) -> str | None:
    """Return the request's client order id, if it carries one."""
    value = body.get("client_order_id")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RequestError("client_order_id must be a non-empty string")
    if len(value) > MAX_CLIENT_ORDER_ID:
        raise RequestError(
            f"client_order_id must be at most {MAX_CLIENT_ORDER_ID} characters"
        )
    return value


def order_spec(body: dict[str, Any]) -> OrderSpec:
    """Return the spec a ``POST /v2/orders`` body asks for.

    Raises:
        RequestError: malformed, or asks for something the emulator does not model.
    """
    order_class = _text(body, "order_class", "simple")
    if order_class in _UNSUPPORTED_CLASSES:
        name = _UNSUPPORTED_CLASSES[order_class]
        raise RequestError(f"{name} orders are not supported by the emulator")
    if order_class not in ("simple", "bracket", "oto", "oco"):
        raise RequestError(f"invalid order_class: {order_class!r}")
    bracket = _bracket(body, order_class)
    limit_price = _decimal(body, "limit_price")
    if order_class == "oco" and bracket is not None:
        # An OCO's limit is its take-profit (alpaca-py may leave limit_price out).
        limit_price = bracket.take_profit_limit
    try:
        return OrderSpec(
            symbol=_text(body, "symbol", ""),
            side=_enum(Side, body, "side"),
            order_type=_enum(OrderType, body, "type"),
            time_in_force=_enum(TimeInForce, body, "time_in_force"),
            qty=_decimal(body, "qty"),
            notional=_decimal(body, "notional"),
            limit_price=limit_price,
            stop_price=_decimal(body, "stop_price"),
            bracket=bracket,
            extended_hours=_flag(body, "extended_hours"),
            trail_price=_decimal(body, "trail_price"),
            trail_percent=_decimal(body, "trail_percent"),
            oco=order_class == "oco",
        )
    except InvalidInput as e:
        raise RequestError(f"invalid {e.field}: {e.reason}") from None
    except ArithmeticError:  # e.g. a quantity too large to quantize
        raise RequestError("a number in the order is out of range") from None


def _bracket(body: dict[str, Any], order_class: str) -> Bracket | None:
    if order_class == "simple":
        return None
    take_profit = body.get("take_profit") or {}
    stop_loss = body.get("stop_loss") or {}
    if not isinstance(take_profit, dict) or not isinstance(stop_loss, dict):
        raise RequestError("take_profit and stop_loss must be objects")
    if order_class in ("bracket", "oco") and not (take_profit and stop_loss):
        raise RequestError(f"{order_class} orders require take_profit and stop_loss")
    if order_class == "oto" and not (take_profit or stop_loss):
        raise RequestError("oto orders require take_profit or stop_loss")
    return Bracket(
        take_profit_limit=_decimal(take_profit, "limit_price"),
        stop_loss_stop=_decimal(stop_loss, "stop_price"),
        stop_loss_limit=_decimal(stop_loss, "limit_price"),
    )


@attrs.frozen(kw_only=True)
class ReplaceRequest:
    """The fields of a ``PATCH /v2/orders/{id}`` body the emulator honours."""

    qty: Decimal | None
    limit_price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str | None
    #: A trailing stop's new trail (price or percent, as the order was placed).
    trail: Decimal | None = None


def replace_request(body: dict[str, Any]) -> ReplaceRequest:
    """Return what a replace asks for (time in force is not modelled).

    Raises:
        RequestError: malformed, or asks to change what the emulator cannot.
    """
    if body.get("time_in_force") is not None:
        raise RequestError("replacing time_in_force is not supported by the emulator")
    request = ReplaceRequest(
        qty=_decimal(body, "qty"),
        limit_price=_decimal(body, "limit_price"),
        stop_price=_decimal(body, "stop_price"),
        client_order_id=client_order_id(body),
        trail=_decimal(body, "trail"),
    )
    for name in ("qty", "limit_price", "stop_price", "trail"):
        value = getattr(request, name)
        if value is not None and value <= 0:
            raise RequestError(f"{name} must be > 0")
    return request
