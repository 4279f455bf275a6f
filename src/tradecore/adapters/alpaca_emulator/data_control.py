"""Wiring of the market-data stream into the emulator app, and its control endpoints.

- ``GET /v2/{feed}`` (WebSocket): the stream itself (:mod:`.data_stream`). It
  authenticates inside the protocol, so the app's header-credential check skips it.
- ``GET /_control/data_stream``: subscribers, connections and messages sent.
- ``POST /_control/data_stream {"action": "drop"|"down"|"up"}``: the fault control,
  as for the trade-updates stream: ``drop`` closes every connection (clients
  reconnect), ``down`` also refuses new ones until ``up``.
- ``POST /_control/trades {"trades": [{symbol, t?, p, s}]}``: push trade prints
  (the emulator's tape has no trades of its own; these only go to the stream).
- ``POST /_control/market_events {"events": [...]}``: the rarer stream messages,
  each ``{"type": ..., "symbol": ...}``:

  - ``updated_bar`` (+ ``t, o, h, l, c, v``): correct a recorded minute bar; the
    REST bars answer with the correction from now on and ``u`` goes out;
  - ``daily_bar``: send ``d``, the symbol's daily bar so far (partial, as Alpaca);
  - ``halt`` / ``resume`` (+ ``reason``, ``tape`` A/B/C): send ``s`` with the
    tape's status code (``H``/``T`` on C, ``2``/``3`` on A and B);
  - ``luld`` (+ ``up``, ``down``, ``indicator``): send ``l``.

After every request the app calls :func:`publish_market`: bars that closed and quotes
posted since the last call go to the subscribers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.bar_history import Timeframe, Unit
from tradecore.adapters.alpaca_emulator.control import bar_from_json
from tradecore.adapters.alpaca_emulator.data_stream import (
    DataStreamHub,
    Json,
    bar_message,
    luld_message,
    status_message,
    trade_message,
)
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


def _counts(hub: DataStreamHub) -> dict[str, Any]:
    return {
        "subscribers": hub.subscribers,
        "connections": hub.connections,
        "messages_sent": hub.messages_sent,
        "refused": {str(code): n for code, n in sorted(hub.refused.items())},
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


_DAY = Timeframe(1, Unit.DAY)


def _market_event(request: web.Request, item: dict[str, Any]) -> Json:
    state = request.app[STATE]
    kind, symbol = item.get("type"), item.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise err.validation("a market event needs a symbol")
    if kind == "updated_bar":
        corrected = state.tape.correct_bar(bar_from_json(item, state.now), state.now)
        return bar_message(corrected, "u")
    if kind == "daily_bar":
        today = state.tape.built(symbol, state.now, _DAY)
        if not today:
            raise err.validation(f"no {symbol} bars to make a daily bar of")
        return bar_message(today[-1], "d")
    if kind in ("halt", "resume"):
        tape = str(item.get("tape", "C"))
        if tape not in ("A", "B", "C"):
            raise err.validation("tape must be A, B or C")
        reason = str(item.get("reason", "T12" if kind == "halt" else ""))
        halted = kind == "halt"
        return status_message(
            symbol, state.now, halted=halted, reason=reason, tape=tape
        )
    if kind == "luld":
        try:
            up, down = float(item["up"]), float(item["down"])
        except (KeyError, TypeError, ValueError):
            raise err.validation("luld needs numeric up and down") from None
        indicator = str(item.get("indicator", "B"))
        return luld_message(symbol, state.now, up=up, down=down, indicator=indicator)
    raise err.validation(
        "type must be updated_bar, daily_bar, halt, resume or luld, not " + repr(kind)
    )


async def _market_events(request: web.Request) -> web.Response:
    items = (await read_json(request)).get("events") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise err.validation("events must be a list of objects")
    messages = [_market_event(request, item) for item in items]
    hub = request.app[DATA_HUB]
    await hub.publish_messages(messages)
    return reply({"events": len(messages), **_counts(hub)})


def add_routes(app: web.Application, faults: Faults) -> None:
    """Create the hub and register the stream and its control endpoints."""
    app[DATA_HUB] = DataStreamHub(app[STATE].config)
    app[DATA_FAULTS] = faults
    r = app.router
    r.add_get("/v2/{feed:iex|sip|delayed_sip|test}", _stream, name=ROUTE_NAME)
    r.add_get("/_control/data_stream", _stream_state)
    r.add_post("/_control/data_stream", _stream_control)
    r.add_post("/_control/trades", _trades)
    r.add_post("/_control/market_events", _market_events)
