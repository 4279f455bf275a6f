"""The control API (``/_control/...``): market data, virtual time, faults, stream.

Not part of Alpaca's API. It is how tests and developers drive the emulated market:
feed bars and quotes, let virtual time pass (fills happen then), inject faults, and
drop the stream. Loopback only; it takes no credentials.
"""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs
from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import wire
from tradecore.adapters.alpaca_emulator.faults import Faults
from tradecore.adapters.alpaca_emulator.rare_events import trade_update_frame
from tradecore.adapters.alpaca_emulator.routes import STATE, read_json, reply
from tradecore.adapters.alpaca_emulator.stream import StreamHub
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar, Provenance, Quote

HUB = web.AppKey("hub", StreamHub)
FAULTS = web.AppKey("faults", Faults)
REQUESTS = web.AppKey("requests", dict[str, int])
#: The HTTP statuses an injected error may answer with.
_MIN_ERROR, _MAX_ERROR = 400, 599


def _at(item: dict[str, Any], default: datetime) -> datetime:
    text = item.get("t")
    if text is None:
        return default
    if not isinstance(text, str):
        raise err.validation(f"t must be an ISO-8601 string, not {text!r}")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise err.validation(f"invalid t: {text!r}") from None
    if at.tzinfo is None:
        raise err.validation(f"t needs a timezone: {text!r}")
    return at


def _items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``body[key]``: a list of JSON objects (absent: none)."""
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise err.validation(f"{key} must be a list of objects")
    return items


def _number(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise err.validation(f"{key} must be a number, not {value!r}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise err.validation(f"{key} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise err.validation(f"{key} must be finite, not {value!r}")
    return number


def _symbol(item: dict[str, Any]) -> str:
    symbol = item.get("symbol", "")
    if not isinstance(symbol, str):
        raise err.validation(f"symbol must be a string, not {symbol!r}")
    return symbol


def _bar(item: dict[str, Any], default: datetime) -> Bar:
    try:
        return Bar(
            symbol=_symbol(item),
            timestamp=_at(item, default).astimezone(default.tzinfo),
            open=_number(item["o"], "o"),
            high=_number(item["h"], "h"),
            low=_number(item["l"], "l"),
            close=_number(item["c"], "c"),
            volume=_number(item.get("v", 1_000_000), "v"),
            provenance=Provenance.SIMULATED,
        )
    except KeyError as e:
        raise err.validation(f"bar needs {e.args[0]!r}") from None
    except InvalidInput as e:
        raise err.validation(f"invalid bar {e.field}: {e.reason}") from None


def bar_from_json(item: dict[str, Any], default: datetime) -> Bar:
    """A control-API bar ``{symbol, t?, o, h, l, c, v?}`` (``t`` defaults to now).

    Raises:
        ApiError: 422 for a missing or invalid field.
    """
    return _bar(item, default)


def _quote(item: dict[str, Any], default: datetime) -> Quote:
    try:
        return Quote(
            symbol=_symbol(item),
            timestamp=_at(item, default).astimezone(default.tzinfo),
            bid=_number(item.get("bp", 0), "bp"),
            ask=_number(item.get("ap", 0), "ap"),
            bid_size=_number(item.get("bs", 0), "bs"),
            ask_size=_number(item.get("as", 0), "as"),
            provenance=Provenance.SIMULATED,
        )
    except InvalidInput as e:
        raise err.validation(f"invalid quote {e.field}: {e.reason}") from None


def status(app: web.Application) -> dict[str, Any]:
    """Return what a driver needs to synchronise with the emulator."""
    state, hub = app[STATE], app[HUB]
    return {
        "now": wire.iso(state.now),
        "next_close": wire.iso(state.config.calendar.next_close(state.now)),
        "events": state.events_emitted,
        "frames_sent": hub.frames_sent,
        "listeners": hub.listeners,
        "connections": hub.connections,
        "orders": len(state.all_orders()),
        "requests": app[REQUESTS].copy(),
        "faults": app[FAULTS].as_json(),
    }


async def settled(app: web.Application) -> dict[str, Any]:
    """Publish the pending trade updates, then return the status (counts included)."""
    await app[HUB].publish(app[STATE].outbox)
    return status(app)


async def get_state(request: web.Request) -> web.Response:
    """GET /_control/state."""
    return reply(await settled(request.app))


async def advance(request: web.Request) -> web.Response:
    """POST /_control/advance {"seconds": s} or {"to": iso}: let time pass."""
    body, state = await read_json(request), request.app[STATE]
    try:
        if "to" in body:
            state.run_until(_at({"t": body["to"]}, state.now))
        else:
            state.advance(_number(body.get("seconds", 0), "seconds"))
    except OverflowError:
        raise err.validation("advance: time out of range") from None
    return reply(await settled(request.app))


async def feed_bars(request: web.Request) -> web.Response:
    """POST /_control/bars {"bars": [{symbol, t?, o, h, l, c, v}], "through": true}."""
    body, state = await read_json(request), request.app[STATE]
    through = body.get("through", True)
    if not isinstance(through, bool):
        raise err.validation(f"through must be true or false, not {through!r}")
    for item in _items(body, "bars"):
        state.feed_bar(_bar(item, state.now), through=through)
    return reply(await settled(request.app))


async def feed_quotes(request: web.Request) -> web.Response:
    """POST /_control/quotes {"quotes": [{symbol, t?, bp, ap, bs, as}]}."""
    body, state = await read_json(request), request.app[STATE]
    for item in _items(body, "quotes"):
        state.feed_quote(_quote(item, state.now))
    return reply(await settled(request.app))


async def get_faults(request: web.Request) -> web.Response:
    """GET /_control/faults: the faults still armed."""
    return reply(request.app[FAULTS].as_json())


async def set_faults(request: web.Request) -> web.Response:
    """POST /_control/faults {name: value, ...}: arm faults (partial update).

    A refused update (422) leaves every fault as it was.
    """
    changes, faults = await read_json(request), request.app[FAULTS]
    _check_error_status(changes.get("error_status", 500), changes.get("error_body"))
    before = attrs.asdict(faults, recurse=False)
    try:
        faults.update(changes)
    except (err.ApiError, ValueError, TypeError, OverflowError) as e:
        for name, value in before.items():
            setattr(faults, name, value)
        if isinstance(e, err.ApiError):
            raise
        raise err.validation(f"invalid fault value: {e}") from None
    return reply(faults.as_json())


def _check_error_status(status_code: object, body: object) -> None:
    """A 4xx/5xx, or a 2xx whose body cannot be read (an answer that proves nothing)."""
    if isinstance(status_code, int) and not isinstance(status_code, bool):
        if _MIN_ERROR <= status_code <= _MAX_ERROR:
            return
        if 200 <= status_code < 300 and body in ("garbage", "empty"):
            return
    raise err.validation(
        f"error_status must be 400-599 (or 2xx with error_body garbage/empty), "
        f"not {status_code!r}"
    )


async def clear_faults(request: web.Request) -> web.Response:
    """DELETE /_control/faults: disarm every fault."""
    request.app[FAULTS].reset()
    return reply(request.app[FAULTS].as_json())


async def out_of_band_order(request: web.Request) -> web.Response:
    """POST /_control/orders {Alpaca order body}: an order the trading client did not send.

    As if placed in Alpaca's web UI: the same validation and venue as ``POST
    /v2/orders``, but no fault applies and no request is counted; without a
    ``client_order_id`` the emulator makes one up, as Alpaca does. Its trade updates
    go out on the stream like any order's.
    """
    return reply(request.app[STATE].submit(await read_json(request)))


async def stream_control(request: web.Request) -> web.Response:
    """POST /_control/stream {"action": "drop"|"down"|"up"}.

    ``drop`` closes every connection (clients reconnect); ``down`` also refuses new
    connections until ``up``.
    """
    action = (await read_json(request)).get("action")
    faults, hub = request.app[FAULTS], request.app[HUB]
    if action not in ("drop", "down", "up"):
        raise err.validation("action must be drop, down or up")
    faults.stream_down = action == "down"
    dropped = 0 if action == "up" else await hub.drop()
    return reply({"dropped": dropped, **(await settled(request.app))})


async def trade_update(request: web.Request) -> web.Response:
    """POST /_control/trade_update {"order_id", "event", ...}: a rare trade update.

    ``order_cancel_rejected``, ``order_replace_rejected``, ``suspended``,
    ``restated``, ``trade_bust``, ``trade_correct`` (:mod:`.rare_events`).
    """
    state = request.app[STATE]
    state.outbox.append(trade_update_frame(state, await read_json(request)))
    state.events_emitted += 1
    return reply(await settled(request.app))


def add_routes(app: web.Application) -> None:
    """Register the control endpoints."""
    r = app.router
    r.add_get("/_control/state", get_state)
    r.add_post("/_control/advance", advance)
    r.add_post("/_control/bars", feed_bars)
    r.add_post("/_control/quotes", feed_quotes)
    r.add_get("/_control/faults", get_faults)
    r.add_post("/_control/faults", set_faults)
    r.add_delete("/_control/faults", clear_faults)
    r.add_post("/_control/stream", stream_control)
    r.add_post("/_control/orders", out_of_band_order)
    r.add_post("/_control/trade_update", trade_update)
