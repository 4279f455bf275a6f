"""The one translation between alpaca-py's models and the domain.

- :data:`STATUS_OF`: every ``OrderStatus`` to the domain's :class:`BrokerOrderStatus`;
- :data:`EVENT_RULES`: every trade-update event (the SDK's ``TradeEvent`` values and
  the ones it passes as plain strings) to what the adapter does with it;
- orders, positions and the account to domain values, and order specs to requests.

Money and quantities become ``Decimal`` from Alpaca's strings; a value the SDK turned
into a float goes through ``repr`` (the shortest round-tripping decimal).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import attrs
from alpaca.trading import enums as sdk
from alpaca.trading.models import Order, TradeAccount
from alpaca.trading.models import Position as SdkPosition
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    OrderRequest,
    StopLimitOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
    TrailingStopOrderRequest,
)

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)
from tradecore.ports.broker import BrokerOrder

B = BrokerOrderStatus
K = OrderEventKind
S = sdk.OrderStatus

#: Every alpaca-py OrderStatus, exactly once (tested against the SDK's enum).
STATUS_OF: dict[sdk.OrderStatus, BrokerOrderStatus] = {
    S.NEW: B.NEW,
    S.PARTIALLY_FILLED: B.PARTIALLY_FILLED,
    S.FILLED: B.FILLED,
    S.DONE_FOR_DAY: B.DONE_FOR_DAY,
    S.CANCELED: B.CANCELED,
    S.EXPIRED: B.EXPIRED,
    S.REPLACED: B.REPLACED,
    S.PENDING_CANCEL: B.PENDING_CANCEL,
    S.PENDING_REPLACE: B.PENDING_REPLACE,
    S.PENDING_REVIEW: B.PENDING_REVIEW,
    S.ACCEPTED: B.ACCEPTED,
    S.PENDING_NEW: B.PENDING_NEW,
    S.ACCEPTED_FOR_BIDDING: B.ACCEPTED_FOR_BIDDING,
    S.STOPPED: B.STOPPED,
    S.REJECTED: B.REJECTED,
    S.SUSPENDED: B.SUSPENDED,
    S.CALCULATED: B.CALCULATED,
    S.HELD: B.HELD,
}


class Action(enum.Enum):
    """What the adapter does with a trade-update event."""

    #: Report it as the rule's domain event.
    EMIT = "emit"
    #: Nothing to report: an intermediate state the domain does not track.
    IGNORE = "ignore"
    #: The order changed in a way no event describes: re-read it over REST.
    RESYNC = "resync"
    #: A past execution was busted or corrected: re-read, and tell an operator.
    ALERT = "alert"


@attrs.frozen
class EventRule:
    """One row of :data:`EVENT_RULES` (``reason`` goes on the emitted event)."""

    action: Action
    kind: OrderEventKind | None = None
    reason: str | None = None


#: Every trade-update event Alpaca documents or was seen sending (docs/alpaca.md §6).
#: A refused cancel or replace (``order_cancel_rejected``: "Sent when the order
#: cancel has been rejected", ``order_replace_rejected`` likewise; alpacahq/
#: alpaca-docs ``content/api-references/trading-api/streaming.md``) leaves the
#: order working:
#: it is reported ``accepted`` with the reason the domain reverts a pending cancel
#: or replace on (``tradecore.domain.orders.intent``), after a REST re-read.
#: ``suspended`` ("Sent when the order has been suspended and is not eligible for
#: trading", same page) is re-read and alerted: the order is
#: not final but will not fill. ``trade_bust``/``trade_correct`` amend a past
#: execution: re-read and alerted, since no order event can undo a fill (the
#: reconciler heals the position).
EVENT_RULES: dict[str, EventRule] = {
    "new": EventRule(Action.EMIT, K.ACCEPTED),
    "accepted": EventRule(Action.EMIT, K.ACCEPTED),
    "fill": EventRule(Action.EMIT, K.FILL),
    "partial_fill": EventRule(Action.EMIT, K.PARTIAL_FILL),
    "canceled": EventRule(Action.EMIT, K.CANCELED),
    "expired": EventRule(Action.EMIT, K.EXPIRED),
    "rejected": EventRule(Action.EMIT, K.REJECTED),
    "replaced": EventRule(Action.EMIT, K.REPLACED),
    "pending_cancel": EventRule(Action.EMIT, K.PENDING_CANCEL),
    "pending_replace": EventRule(Action.EMIT, K.PENDING_REPLACE),
    "done_for_day": EventRule(Action.EMIT, K.DONE_FOR_DAY),
    "pending_new": EventRule(Action.IGNORE),
    "held": EventRule(Action.IGNORE),
    "stopped": EventRule(Action.IGNORE),
    "calculated": EventRule(Action.IGNORE),
    "suspended": EventRule(Action.ALERT),
    "restated": EventRule(Action.RESYNC),
    "order_replace_rejected": EventRule(Action.EMIT, K.ACCEPTED, "replace_rejected"),
    "order_cancel_rejected": EventRule(Action.EMIT, K.ACCEPTED, "cancel_rejected"),
    "trade_bust": EventRule(Action.ALERT),
    "trade_correct": EventRule(Action.ALERT),
}
#: What an event no one has seen yet gets: re-read the order, and say so.
UNKNOWN_EVENT = EventRule(Action.ALERT)


def event_rule(event: object) -> EventRule:
    """Return the rule for a trade-update ``event`` (an enum member or a string)."""
    name = event.value if isinstance(event, enum.Enum) else str(event)
    return EVENT_RULES.get(name, UNKNOWN_EVENT)


def decimal(value: str | float | int | None) -> Decimal | None:
    """Return an SDK number as an exact Decimal (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def utc(at: datetime) -> datetime:
    """Return ``at`` in UTC (Alpaca mixes Eastern offsets and ``Z``)."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def _order_type(order: Order) -> OrderType:
    name = order.type.value if order.type is not None else "market"
    try:
        return OrderType(name)
    except ValueError:
        raise InvalidInput(
            "type", name, "tradecore does not model this order type"
        ) from None


def _bracket(order: Order) -> Bracket | None:
    if not order.legs:
        return None
    if _is_oco(order):  # the order itself is the take-profit
        stop_leg = order.legs[0]
        return Bracket(
            take_profit_limit=decimal(order.limit_price),
            stop_loss_stop=decimal(stop_leg.stop_price),
            stop_loss_limit=decimal(stop_leg.limit_price),
        )
    take_profit = next((leg for leg in order.legs if _is_take_profit(leg)), None)
    stop_loss = next((leg for leg in order.legs if not _is_take_profit(leg)), None)
    return Bracket(
        take_profit_limit=None
        if take_profit is None
        else decimal(take_profit.limit_price),
        stop_loss_stop=None if stop_loss is None else decimal(stop_loss.stop_price),
        stop_loss_limit=None if stop_loss is None else decimal(stop_loss.limit_price),
    )


def _is_take_profit(leg: Order) -> bool:
    return leg.type is sdk.OrderType.LIMIT


def _is_oco(order: Order) -> bool:
    return order.order_class is sdk.OrderClass.OCO and bool(order.legs)


def order_spec(order: Order) -> OrderSpec:
    """Return what was asked for ``order`` (the bracket only when legs are nested).

    A trailing stop's ``stop_price`` is where its trail stands now, not part of what
    was asked: it is left out. An OCO is recognised only with its leg nested.

    Raises:
        InvalidInput: an order tradecore cannot represent (e.g. multi-leg options).
    """
    notional = decimal(order.notional)
    order_type = _order_type(order)
    trailing = order_type is OrderType.TRAILING_STOP
    return OrderSpec(
        symbol=str(order.symbol),
        side=Side(order.side.value if order.side is not None else ""),
        order_type=order_type,
        time_in_force=TimeInForce(order.time_in_force.value),
        qty=None if notional is not None else decimal(order.qty),
        notional=notional,
        limit_price=decimal(order.limit_price),
        stop_price=None if trailing else decimal(order.stop_price),
        bracket=_bracket(order),
        extended_hours=bool(order.extended_hours),
        trail_price=decimal(order.trail_price) if trailing else None,
        trail_percent=decimal(order.trail_percent) if trailing else None,
        oco=_is_oco(order),
    )


def leg_ids(order: Order) -> tuple[str, ...]:
    """Return the ids of ``order``'s nested legs, take-profit first."""
    legs = sorted(order.legs or [], key=lambda leg: not _is_take_profit(leg))
    return tuple(str(leg.id) for leg in legs)


def broker_order(order: Order) -> BrokerOrder:
    """Return the port's view of an alpaca-py ``Order``."""
    return BrokerOrder(
        broker_order_id=str(order.id),
        client_order_id=order.client_order_id,
        spec=order_spec(order),
        status=STATUS_OF[order.status],
        filled_qty=decimal(order.filled_qty) or Decimal(0),
        filled_avg_price=decimal(order.filled_avg_price),
        submitted_at=utc(order.submitted_at),
        updated_at=utc(order.updated_at),
        leg_ids=leg_ids(order),
        replaced_by=None if order.replaced_by is None else str(order.replaced_by),
    )


def is_group(order: Order) -> bool:
    """Return whether ``order`` belongs to a bracket/OTO/OCO group."""
    return order.order_class in (
        sdk.OrderClass.BRACKET,
        sdk.OrderClass.OTO,
        sdk.OrderClass.OCO,
    )


def position(item: SdkPosition) -> Position:
    """Return the domain position (a short has a negative quantity)."""
    qty, avg = Decimal(str(item.qty)), Decimal(str(item.avg_entry_price))
    return Position(symbol=item.symbol, qty=qty, avg_entry_price=avg)


def account(item: TradeAccount, as_of: datetime) -> AccountSnapshot:
    """Return the account snapshot (Alpaca's answer carries no time: ``as_of``)."""
    return AccountSnapshot(
        cash=decimal(item.cash) or Decimal(0),
        buying_power=decimal(item.buying_power) or Decimal(0),
        equity=decimal(item.equity) or Decimal(0),
        as_of=as_of,
        currency=item.currency or "USD",
        trading_blocked=bool(item.trading_blocked or item.account_blocked),
        daytrade_count=_optional_int(getattr(item, "daytrade_count", None)),
        pattern_day_trader=bool(getattr(item, "pattern_day_trader", False)),
    )


def _optional_int(value: object) -> int | None:
    """An account count Alpaca may leave out (removed from the account 2026-07-06)."""
    return None if value is None else int(str(value))


def _exact_float(field: str, value: Decimal) -> float:
    # alpaca-py's request models take floats; refuse what a float cannot carry.
    result = float(value)
    if Decimal(repr(result)) != value:
        raise InvalidInput(field, value, "more digits than alpaca-py can send")
    return result


def _maybe_float(field: str, value: Decimal | None) -> float | None:
    return None if value is None else _exact_float(field, value)


def order_request(client_order_id: str, spec: OrderSpec) -> OrderRequest:
    """Return the alpaca-py request that places ``spec`` under ``client_order_id``.

    Raises:
        InvalidInput: a quantity or price with more digits than a float carries.
    """
    fields: dict[str, object] = {
        "symbol": spec.symbol,
        "side": sdk.OrderSide(spec.side.value),
        "time_in_force": sdk.TimeInForce(spec.time_in_force.value),
        "client_order_id": client_order_id,
        "qty": _maybe_float("qty", spec.qty),
        "notional": _maybe_float("notional", spec.notional),
    }
    if spec.extended_hours:
        fields["extended_hours"] = True
    if spec.bracket is not None:
        fields.update(_bracket_fields(spec.bracket))
        if spec.oco:
            fields["order_class"] = sdk.OrderClass.OCO
    limit = _maybe_float("limit_price", spec.limit_price)
    stop = _maybe_float("stop_price", spec.stop_price)
    kind = spec.order_type
    if kind is OrderType.TRAILING_STOP:
        return TrailingStopOrderRequest(
            **fields,
            trail_price=_maybe_float("trail_price", spec.trail_price),
            trail_percent=_maybe_float("trail_percent", spec.trail_percent),
        )
    if kind is OrderType.LIMIT:
        return LimitOrderRequest(**fields, limit_price=limit)
    if kind is OrderType.STOP:
        return StopOrderRequest(**fields, stop_price=stop)
    if kind is OrderType.STOP_LIMIT:
        return StopLimitOrderRequest(**fields, stop_price=stop, limit_price=limit)
    return MarketOrderRequest(**fields)


def _bracket_fields(bracket: Bracket) -> dict[str, object]:
    both = bracket.take_profit_limit is not None and bracket.stop_loss_stop is not None
    fields: dict[str, object] = {
        "order_class": sdk.OrderClass.BRACKET if both else sdk.OrderClass.OTO
    }
    if bracket.take_profit_limit is not None:
        price = _exact_float("take_profit_limit", bracket.take_profit_limit)
        fields["take_profit"] = TakeProfitRequest(limit_price=price)
    if bracket.stop_loss_stop is not None:
        fields["stop_loss"] = StopLossRequest(
            stop_price=_exact_float("stop_loss_stop", bracket.stop_loss_stop),
            limit_price=_maybe_float("stop_loss_limit", bracket.stop_loss_limit),
        )
    return fields
