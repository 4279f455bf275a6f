"""The emulator's aiohttp application: trading API, stream and control API.

One middleware stack, outermost first: count the request, check credentials (401
without rate-limit headers, as Alpaca), apply the rate limit and injected faults,
run the handler, turn :class:`ApiError` into Alpaca's JSON error answers, publish
the trade updates the request caused, and record the body when asked to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from tradecore.adapters.alpaca_emulator import (
    control,
    corporate_action_routes,
    data_control,
    data_routes,
    routes,
    wire,
)
from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.faults import (
    GARBAGE_BODY,
    Faults,
    RateWindow,
    storm_headers,
    too_many_requests,
)
from tradecore.adapters.alpaca_emulator.routes import STATE, reply
from tradecore.adapters.alpaca_emulator.state import EmulatorState
from tradecore.adapters.alpaca_emulator.stream import StreamHub

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RATE = web.AppKey("rate", RateWindow)
WIRE = web.AppKey("wire", list[tuple[str, int, bytes]])
_CONFIG = web.AppKey("config", EmulatorConfig)
_DATA_PREFIXES = ("/v2/stocks/", "/v1/corporate-actions")


def build_app(config: EmulatorConfig) -> web.Application:
    """Return a ready-to-serve application for one emulated account."""
    app = web.Application(middlewares=[_trading_middleware])
    app[_CONFIG] = config
    app[STATE] = EmulatorState(config)
    app[control.HUB] = StreamHub(config)
    app[control.FAULTS] = Faults()
    app[control.REQUESTS] = {}
    app[RATE] = RateWindow(config.rate_limit, config.rate_window_s)
    app[WIRE] = []
    routes.add_routes(app)
    data_routes.add_routes(app)
    corporate_action_routes.add_routes(app)
    control.add_routes(app)
    data_control.add_routes(app, app[control.FAULTS])
    app.router.add_get("/stream", _stream)
    app.on_shutdown.append(_close_streams)
    return app


async def _stream(request: web.Request) -> web.StreamResponse:
    refuse = request.app[control.FAULTS].stream_down
    return await request.app[control.HUB].handle(request, refuse=refuse)


async def _close_streams(app: web.Application) -> None:
    await app[control.HUB].drop()
    await app[data_control.DATA_HUB].drop()


@web.middleware
async def _trading_middleware(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    app = request.app
    if request.match_info.route.name == data_control.ROUTE_NAME:
        # The market-data stream authenticates inside its own protocol.
        return await handler(request)
    if not request.path.startswith(("/v2/", "/v1/")):
        return await _answer(request, handler, {})
    route = request.match_info.route.name or "unknown"
    counts = app[control.REQUESTS]
    counts[route] = counts.get(route, 0) + 1
    denied = _check_credentials(request, app[_CONFIG])
    if denied is not None:
        return _record(request, denied)
    faults = app[control.FAULTS]
    if request.path.startswith(_DATA_PREFIXES):
        # The data API has its own budget (docs/alpaca.md §7); trading faults
        # target trading, ``data_storm`` the data API.
        if faults.take("data_storm"):
            return _record(request, _rate_limited(app, storm_headers(faults)))
        return _record(request, await _answer(request, handler, {}))
    admitted, headers = app[RATE].admit()
    if faults.take("storm"):
        return _record(request, _rate_limited(app, storm_headers(faults)))
    if not admitted:
        return _record(request, _rate_limited(app, headers))
    if faults.take("slow"):
        await asyncio.sleep(faults.slow_delay_s)
    if faults.take_error(route):
        if faults.error_apply:
            await _answer(request, handler, headers)
        return _record(request, _injected_error(faults))
    if route == "cancel_order" and faults.take("defer_cancels"):
        return _record(request, web.Response(status=204))
    if route == "submit_order" and faults.take("lose_submits"):
        await _answer(request, handler, headers)
        await _lose_response(request, faults)
    response = await _answer(request, handler, headers)
    return _record(request, response)


async def _answer(
    request: web.Request, handler: Handler, headers: dict[str, str]
) -> web.StreamResponse:
    try:
        response = await handler(request)
    except err.ApiError as e:
        response = reply(e.body, status=e.status)
    finally:
        state = request.app[STATE]
        await request.app[control.HUB].publish(state.outbox)
        await data_control.publish_market(request.app)
    response.headers.update(headers)
    return response


def _injected_error(faults: Faults) -> web.Response:
    """The answer of an injected error: its status, with the body it was armed with."""
    if faults.error_body == "garbage":
        return web.Response(
            status=faults.error_status, body=GARBAGE_BODY, content_type="text/html"
        )
    if faults.error_body == "empty":
        return web.Response(status=faults.error_status)
    code = faults.error_code or None
    body = wire.error(code, f"injected HTTP {faults.error_status}")
    return reply(body, status=faults.error_status)


async def _lose_response(request: web.Request, faults: Faults) -> None:
    # The order was accepted above; the client never hears so.
    if faults.lose_mode == "timeout":
        await asyncio.sleep(faults.lose_hold_s)
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise web.HTTPServiceUnavailable()  # never reaches the client: the socket is gone


def _check_credentials(
    request: web.Request, config: EmulatorConfig
) -> web.Response | None:
    key = request.headers.get("APCA-API-KEY-ID")
    secret = request.headers.get("APCA-API-SECRET-KEY")
    if key != config.key_id:
        body = wire.error(err.UNAUTHORIZED, "request is not authorized")
        return reply(body, status=401)
    if secret != config.secret_key:
        return reply(wire.error(None, "forbidden."), status=403)
    return None


def _rate_limited(app: web.Application, headers: dict[str, str]) -> web.Response:
    faults, config = app[control.FAULTS], app[_CONFIG]
    answer = too_many_requests()
    response = reply(answer.body, status=answer.status)
    response.headers.update(headers)
    if config.send_retry_after:
        response.headers["Retry-After"] = str(faults.storm_reset_s)
    return response


def _record(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if request.app[_CONFIG].record_wire and isinstance(response, web.Response):
        route = request.match_info.route.name or request.path
        body = response.body if isinstance(response.body, bytes) else b""
        request.app[WIRE].append((route, response.status, body))
    return response
