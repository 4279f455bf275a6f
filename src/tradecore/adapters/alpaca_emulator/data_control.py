"""Wiring of the market-data stream into the emulator app, and its control endpoints.

- ``GET /v2/{feed}`` (WebSocket): the stream itself (:mod:`.data_stream`). It
  authenticates inside the protocol, so the app's header-credential check skips it.
- ``GET /_control/data_stream``: subscribers, connections and messages sent.
- ``POST /_control/data_stream {"action": "drop"|"down"|"up"}``: the fault control,
  as for the trade-updates stream: ``drop`` closes every connection (clients
  reconnect), ``down`` also refuses new ones until ``up``.
- ``POST /_control/trades {"trades": [{symbol, t?, p, s}]}``: push trade prints
  (the emulator's tape has no trades of its own; these only go to the stream).

After every request the app calls :func:`publish_market`: bars that closed and quotes
posted since the last call go to the subscribers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.data_stream import DataStreamHub, trade_message
from tradecore.adapters.alpaca_emulator.faults import Faults
from tradecore.adapters.alpaca_emulator.routes import STATE, read_json, reply

DATA_HUB = web.AppKey("data_hub", DataStreamHub)
#: The app's faults, registered by the app under this key too (no import cycle).
DATA_FAULTS = web.AppKey("data_faults", Faults)
ROUTE_NAME = "data_stream"


async def publish_market(app: web.Application) -> None:
    """Push the bars closed by now and the new quotes to the stream's subscribers."""
    state = app[STATE]
    bars, quotes = state.tape.take_stream(state.now)
    await app[DATA_HUB].publish(bars, quotes)


async def _stream(request: web.Request) -> web.StreamResponse:
    refuse = request.app[DATA_FAULTS].data_stream_down
    return await request.app[DATA_HUB].handle(request, refuse=refuse)


async def _stream_control(request: web.Request) -> web.Response:
    action = (await read_json(request)).get("action")
    if action not in ("drop", "down", "up"):
        raise err.validation("action must be drop, down or up")
    hub = request.app[DATA_HUB]
    request.app[DATA_FAULTS].data_stream_down = action == "down"
    dropped = 0 if action == "up" else await hub.drop()
    return reply({"dropped": dropped, **_counts(hub)})


def _counts(hub: DataStreamHub) -> dict[str, int]:
    return {
        "subscribers": hub.subscribers,
        "connections": hub.connections,
        "messages_sent": hub.messages_sent,
    }


async def _stream_state(request: web.Request) -> web.Response:
    return reply(_counts(request.app[DATA_HUB]))


def _trade(item: dict[str, Any], now: datetime, trade_id: int) -> dict[str, Any]:
    try:
        at = datetime.fromisoformat(str(item["t"])) if "t" in item else now
        symbol, price, size = str(item["symbol"]), float(item["p"]), float(item["s"])
    except KeyError as e:
        raise err.validation(f"trade needs {e.args[0]!r}") from None
    except ValueError as e:
        raise err.validation(f"invalid trade: {e}") from None
    if at.tzinfo is None:
        raise err.validation(f"trade t needs a timezone: {item['t']!r}")
    if not symbol or price <= 0 or size <= 0:
        raise err.validation("a trade needs a symbol, p > 0 and s > 0")
    return trade_message(symbol, at, price, size, trade_id)


async def _trades(request: web.Request) -> web.Response:
    body, hub = await read_json(request), request.app[DATA_HUB]
    now = request.app[STATE].now
    items = body.get("trades") or []
    first, hub.next_trade_id = hub.next_trade_id, hub.next_trade_id + len(items)
    trades = [_trade(item, now, first + i) for i, item in enumerate(items)]
    await hub.publish((), (), trades)
    return reply({"trades": len(trades), "messages_sent": hub.messages_sent})


def add_routes(app: web.Application, faults: Faults) -> None:
    """Create the hub and register the stream and its control endpoints."""
    app[DATA_HUB] = DataStreamHub(app[STATE].config)
    app[DATA_FAULTS] = faults
    r = app.router
    r.add_get("/v2/{feed:iex|sip|delayed_sip|test}", _stream, name=ROUTE_NAME)
    r.add_get("/_control/data_stream", _stream_state)
    r.add_post("/_control/data_stream", _stream_control)
    r.add_post("/_control/trades", _trades)
