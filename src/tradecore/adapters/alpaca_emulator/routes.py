"""The v2 trading endpoints: thin handlers over :class:`EmulatorState`."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any

from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import queries, wire
from tradecore.adapters.alpaca_emulator.state import EmulatorState

STATE = web.AppKey("state", EmulatorState)
_loads = partial(json.loads, parse_float=Decimal)


def reply(body: Any, status: int = 200) -> web.Response:
    """Return ``body`` as JSON (Decimals only appear in bodies as strings)."""
    return web.json_response(body, status=status, dumps=json.dumps)


async def read_json(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object; numbers are exact decimals."""
    try:
        body = await request.json(loads=_loads)
    except ValueError:  # UnicodeDecodeError included
        raise err.validation("request body is not valid JSON") from None
    except RecursionError:
        raise err.validation("request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise err.validation("request body must be a JSON object")
    return body


def _state(request: web.Request) -> EmulatorState:
    return request.app[STATE]


def _decimal_param(request: web.Request, key: str) -> Decimal | None:
    text = request.query.get(key)
    if text is None:
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        raise err.validation(f"invalid {key}: {text!r}") from None


async def submit_order(request: web.Request) -> web.Response:
    """POST /v2/orders."""
    return reply(_state(request).submit(await read_json(request)))


async def list_orders(request: web.Request) -> web.Response:
    """GET /v2/orders."""
    return reply(queries.list_orders(_state(request), request.query))


async def cancel_orders(request: web.Request) -> web.Response:
    """DELETE /v2/orders: 207 multi-status, one entry per open order."""
    return reply(_state(request).cancel_all(), status=207)


async def get_order(request: web.Request) -> web.Response:
    """GET /v2/orders/{order_id}."""
    nested = queries.flag(request.query, "nested")
    order_id = request.match_info["order_id"]
    return reply(_state(request).order_json(order_id, nested=nested))


async def get_order_by_client_id(request: web.Request) -> web.Response:
    """GET /v2/orders:by_client_order_id?client_order_id=..."""
    client_id = request.query.get("client_order_id")
    if not client_id:
        raise err.validation("client_order_id is required")
    return reply(_state(request).order_by_client_id(client_id))


async def replace_order(request: web.Request) -> web.Response:
    """PATCH /v2/orders/{order_id}: the answer is the new order."""
    body = await read_json(request)
    return reply(_state(request).replace(request.match_info["order_id"], body))


async def cancel_order(request: web.Request) -> web.Response:
    """DELETE /v2/orders/{order_id}: 204 without a body."""
    _state(request).cancel(request.match_info["order_id"])
    return web.Response(status=204)


async def list_positions(request: web.Request) -> web.Response:
    """GET /v2/positions."""
    return reply(_state(request).positions_json())


async def get_position(request: web.Request) -> web.Response:
    """GET /v2/positions/{symbol}."""
    return reply(_state(request).position_json(request.match_info["symbol"]))


async def close_position(request: web.Request) -> web.Response:
    """DELETE /v2/positions/{symbol}[?qty=|percentage=]: the closing order."""
    qty = _decimal_param(request, "qty")
    percentage = _decimal_param(request, "percentage")
    if qty is not None and percentage is not None:
        raise err.validation("qty and percentage are exclusive")
    symbol = request.match_info["symbol"]
    order = _state(request).close_position(symbol, qty=qty, percentage=percentage)
    return reply(order)


async def close_all_positions(request: web.Request) -> web.Response:
    """DELETE /v2/positions[?cancel_orders=True]: 207 multi-status."""
    cancel = queries.flag(request.query, "cancel_orders")
    return reply(_state(request).close_all(cancel_orders=cancel), status=207)


async def get_account(request: web.Request) -> web.Response:
    """GET /v2/account."""
    return reply(_state(request).account_json())


async def list_assets(request: web.Request) -> web.Response:
    """GET /v2/assets[?status=&asset_class=]: us_equity assets the emulator knows."""
    query = request.query
    status, asset_class = query.get("status"), query.get("asset_class")
    if asset_class not in (None, "us_equity"):
        return reply([])
    assets = _state(request).assets()
    if status is not None:
        assets = [a for a in assets if a.status == status]
    return reply([wire.asset_json(a) for a in assets])


async def get_asset(request: web.Request) -> web.Response:
    """GET /v2/assets/{symbol_or_asset_id} (404 for an unknown asset)."""
    flags = _state(request).asset_flags(request.match_info["symbol_or_id"])
    return reply(wire.asset_json(flags))


async def get_clock(request: web.Request) -> web.Response:
    """GET /v2/clock."""
    return reply(_state(request).clock_json())


async def get_calendar(request: web.Request) -> web.Response:
    """GET /v2/calendar?start=&end=: the market days of the emulator's calendar."""
    return reply(queries.calendar(_state(request), request.query))


async def fill_activities(request: web.Request) -> web.Response:
    """GET /v2/account/activities/FILL (404 when the config turns it off)."""
    if not _state(request).config.activities:
        raise web.HTTPNotFound()
    return reply(queries.fill_activities(_state(request), request.query))


async def account_activities(request: web.Request) -> web.Response:
    """GET /v2/account/activities?activity_types=FILL,...: the emulator keeps only
    ``FILL`` activities, so a query for other types answers an empty list."""
    state = _state(request)
    if not state.config.activities:
        raise web.HTTPNotFound()
    wanted = request.query.get("activity_types", "")
    types = {t.strip().upper() for t in wanted.split(",") if t.strip()}
    if types and "FILL" not in types:
        return reply([])
    return reply(queries.fill_activities(state, request.query))


def add_routes(app: web.Application) -> None:
    """Register every trading endpoint under ``/v2``."""
    r = app.router
    r.add_post("/v2/orders", submit_order, name="submit_order")
    r.add_get("/v2/orders", list_orders, name="list_orders")
    r.add_delete("/v2/orders", cancel_orders, name="cancel_orders")
    r.add_get(
        "/v2/orders:by_client_order_id",
        get_order_by_client_id,
        name="get_order_by_client_id",
    )
    r.add_get("/v2/orders/{order_id}", get_order, name="get_order")
    r.add_patch("/v2/orders/{order_id}", replace_order, name="replace_order")
    r.add_delete("/v2/orders/{order_id}", cancel_order, name="cancel_order")
    r.add_get("/v2/positions", list_positions, name="list_positions")
    r.add_delete("/v2/positions", close_all_positions, name="close_all_positions")
    r.add_get("/v2/positions/{symbol}", get_position, name="get_position")
    r.add_delete("/v2/positions/{symbol}", close_position, name="close_position")
    r.add_get("/v2/account", get_account, name="get_account")
    r.add_get("/v2/clock", get_clock, name="get_clock")
    r.add_get("/v2/assets", list_assets, name="list_assets")
    r.add_get("/v2/assets/{symbol_or_id}", get_asset, name="get_asset")
    r.add_get("/v2/calendar", get_calendar, name="get_calendar")
    r.add_get("/v2/account/activities/FILL", fill_activities, name="fill_activities")
    r.add_get("/v2/account/activities", account_activities, name="account_activities")
