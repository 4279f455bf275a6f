"""The market-data endpoints alpaca-py 0.44's ``StockHistoricalDataClient`` calls.

``get_stock_bars`` sends ``GET /v2/stocks/bars?symbols=...&timeframe=...&limit=...``
(the multi-symbol endpoint even for one symbol) and follows ``next_page_token``;
``get_stock_latest_quote`` sends ``GET /v2/stocks/quotes/latest?symbols=...``. The
single-symbol ``/v2/stocks/{symbol}/bars`` is served too, for other clients. The
``feed`` is checked but does not change the data: the emulator has one tape.

Bars of any Alpaca timeframe and ``adjustment`` are built from the tape
(:mod:`.bar_history`, whose docstring cites the rules). ``feed=sip`` without the SIP
subscription (``EmulatorConfig.sip_subscription=False``) refuses an ``end`` within
the last 15 minutes of virtual time with 403 ``{"code": 42210000, "message":
"subscription does not permit querying recent SIP data"}``, and an omitted ``end``
defaults to 15 minutes ago (alpacahq/alpaca-skills ``skills/broker-api/market-data/
SKILL.md``; Alpaca's Market Data FAQ, docs.alpaca.markets/docs/market-data-faq; docs/
alpaca.md §8). ``iex`` is real time on every plan.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.bar_history import (
    parse_adjustment,
    parse_timeframe,
)
from tradecore.adapters.alpaca_emulator.routes import STATE, reply

#: ``DataFeed`` values of alpaca-py 0.44.
FEEDS = frozenset({"iex", "sip", "delayed_sip", "otc", "boats", "overnight"})
MAX_LIMIT = 10_000
#: How recent SIP data needs the subscription for (Alpaca's free-plan rule).
SIP_DELAY = timedelta(minutes=15)
RECENT_SIP = "subscription does not permit querying recent SIP data"
RECENT_SIP_CODE = 42210000


def _bad(message: str) -> err.ApiError:
    return err.ApiError(400, {"code": 40010001, "message": message})


def _time(request: web.Request, key: str) -> datetime | None:
    text = request.query.get(key)
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"invalid {key}: {text!r}") from None
    if at.tzinfo is None:
        raise _bad(f"{key} needs a timezone: {text!r}")
    return at


def _symbols(request: web.Request) -> list[str]:
    symbols = [s for s in request.query.get("symbols", "").split(",") if s]
    if not symbols:
        raise _bad("symbols is required")
    return symbols


def _check_feed(request: web.Request) -> None:
    feed = request.query.get("feed")
    if feed is not None and feed not in FEEDS:
        raise _bad(f"invalid feed: {feed!r}")


def _limit(request: web.Request) -> int:
    text = request.query.get("limit", "1000")
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _bad(f"invalid limit: {text!r} (1 to {MAX_LIMIT})")
    return int(text)


def _end(request: web.Request, now: datetime, subscribed: bool) -> datetime | None:
    """The ``end`` to serve; refuse recent SIP data without the subscription."""
    end = _time(request, "end")
    if subscribed or request.query.get("feed") != "sip":
        return end
    if end is None:
        return now - SIP_DELAY
    if end > now - SIP_DELAY:
        raise err.ApiError(403, {"code": RECENT_SIP_CODE, "message": RECENT_SIP})
    return end


def _page(request: web.Request, symbols: list[str]) -> dict[str, Any]:
    state = request.app[STATE]
    _check_feed(request)
    timeframe = parse_timeframe(request.query.get("timeframe"))
    if timeframe.intraday and timeframe.length % state.tape.interval:
        raise err.validation(
            f"timeframe {request.query.get('timeframe')} is not served: the emulator's "
            f"bars are {int(state.tape.interval.total_seconds() // 60)}Min"
        )
    return state.tape.bars_page(
        symbols,
        start=_time(request, "start"),
        end=_end(request, state.now, state.config.sip_subscription),
        now=state.now,
        limit=min(_limit(request), state.config.data_page_size),
        token=request.query.get("page_token") or None,
        timeframe=timeframe,
        adjustments=parse_adjustment(request.query.get("adjustment")),
    )


async def stock_bars(request: web.Request) -> web.Response:
    """GET /v2/stocks/bars."""
    return reply(_page(request, _symbols(request)))


async def symbol_bars(request: web.Request) -> web.Response:
    """GET /v2/stocks/{symbol}/bars: one symbol, answered as ``{"bars": [...], ...}``."""
    symbol = request.match_info["symbol"]
    page = _page(request, [symbol])
    bars = page["bars"].get(symbol, [])
    return reply(
        {"bars": bars, "symbol": symbol, "next_page_token": page["next_page_token"]}
    )


async def latest_quotes(request: web.Request) -> web.Response:
    """GET /v2/stocks/quotes/latest."""
    _check_feed(request)
    return reply(request.app[STATE].tape.latest_quotes(_symbols(request)))


def add_routes(app: web.Application) -> None:
    """Register the data endpoints (under ``/v2/stocks``)."""
    r = app.router
    r.add_get("/v2/stocks/bars", stock_bars, name="stock_bars")
    r.add_get("/v2/stocks/quotes/latest", latest_quotes, name="latest_quotes")
    r.add_get("/v2/stocks/{symbol}/bars", symbol_bars, name="symbol_bars")
