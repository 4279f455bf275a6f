"""Inject the trade updates Alpaca sends rarely, for an order that exists.

``POST /_control/trade_update {"order_id" | "client_order_id", "event", ...}`` puts
one ``trade_updates`` frame on the stream for that order, shaped like every other
frame the emulator sends (docs/alpaca.md §6: ``timestamp``, the full order, a UUID
``execution_id``). The events are Alpaca's "less common" ones (alpacahq/alpaca-docs
``content/api-references/trading-api/streaming.md``, "Less Common Events": ``suspended``,
``order_replace_rejected``, ``order_cancel_rejected``; alpaca-py
``alpaca/trading/enums.py`` ``TradeEvent.RESTATED``) and the execution amendments
of Alpaca's Broker trade events (alpacahq/alpaca-skills ``skills/broker-api/
sse-events/SKILL.md``; the Activity SSE execution types ``fill``,
``trade_correct``, ``trade_bust``, docs.alpaca.markets changelog 2026-11-06):

- ``order_cancel_rejected`` / ``order_replace_rejected``: the order as it is (the
  request was refused, the order keeps working);
- ``suspended``: the order with status ``suspended``;
- ``restated``: the order as it is;
- ``trade_bust`` / ``trade_correct``: the order as it is, with the execution's
  ``execution_id``, ``qty`` and ``price`` (``price`` may be given: the corrected
  price); by default the order's latest execution.

Only the frame is modelled: the venue's orders, fills and positions are not changed
(a real bust reverses the execution at Alpaca; the adapter is expected to re-read
and alert, and the reconciler to heal the position).
"""

from __future__ import annotations

import uuid
from typing import Any

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import wire
from tradecore.adapters.alpaca_emulator.state import EmulatorState

Json = dict[str, Any]
ORDER_EVENTS = frozenset(
    {"order_cancel_rejected", "order_replace_rejected", "suspended", "restated"}
)
EXECUTION_EVENTS = frozenset({"trade_bust", "trade_correct"})


def _order(state: EmulatorState, body: Json) -> Json:
    if "order_id" in body:
        return state.order_json(str(body["order_id"]), nested=True)
    if "client_order_id" in body:
        order = state.order_by_client_id(str(body["client_order_id"]))
        return state.order_json(str(order["id"]), nested=True)
    raise err.validation("name the order: order_id or client_order_id")


def _execution(state: EmulatorState, order: Json, body: Json) -> Json:
    mine = [a for a in state.activities if a["order_id"] == order["id"]]
    if not mine:
        raise err.validation(f"order {order['id']} has no execution to amend")
    latest = mine[-1]
    execution_id = body.get("execution_id") or latest["id"].split("::")[-1]
    try:
        uuid.UUID(str(execution_id))
    except ValueError:
        raise err.validation("execution_id must be a UUID (alpaca-py)") from None
    return {
        "execution_id": str(execution_id),
        "qty": str(body.get("qty", latest["qty"])),
        "price": str(body.get("price", latest["price"])),
    }


def trade_update_frame(state: EmulatorState, body: Json) -> Json:
    """The ``trade_updates`` frame ``body`` asks for (see the module docstring).

    Raises:
        ApiError: 422 for an unknown event, order or execution; 404 for no order.
    """
    event = body.get("event")
    if event not in ORDER_EVENTS | EXECUTION_EVENTS:
        known = sorted(ORDER_EVENTS | EXECUTION_EVENTS)
        raise err.validation(f"event must be one of {known}, not {event!r}")
    order = _order(state, body)
    data: Json = {"event": event, "timestamp": wire.iso(state.now)}
    if event == "suspended":
        order["status"] = "suspended"
    if event in EXECUTION_EVENTS:
        data.update(_execution(state, order, body))
    order["updated_at"] = wire.iso(state.now)
    data["order"] = order
    return {"stream": "trade_updates", "data": data}
