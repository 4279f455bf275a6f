"""The market-data WebSocket (``/v2/{feed}``), as alpaca-py's ``StockDataStream`` uses it.

Protocol (Alpaca's real-time stock data stream): on connect the server sends
``[{"T":"success","msg":"connected"}]``; the client's first frame must be
``{"action":"auth","key","secret"}`` (within 10 s), answered ``authenticated`` or an
error (402 auth failed, 404 auth timeout); ``subscribe``/``unsubscribe`` actions name
symbols per channel (``trades``, ``quotes``, ``bars``; ``*`` is every symbol) and are
answered with a ``subscription`` frame listing everything subscribed. Data frames are
arrays of ``{"T":"b"|"q"|"t","S":symbol,...}`` with Alpaca's compact keys.

Encoding is negotiated like Alpaca: a client that connects with ``Content-Type:
application/msgpack`` (alpaca-py always does) gets binary msgpack frames with ``t`` as
a msgpack Timestamp; any other client gets JSON text frames with RFC 3339 ``t``. Bars
go out when they close, quotes as they are posted. Nothing is buffered for a client
that is away: data published while it is disconnected is lost, as at Alpaca.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgpack
from aiohttp import WSMsgType, web

from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.adapters.alpaca_emulator.wire import iso
from tradecore.domain.market.bars import Bar, Quote

log = logging.getLogger(__name__)
Json = dict[str, Any]
AUTH_TIMEOUT_S = 10.0
#: The feeds served at ``/v2/{feed}`` (``test`` is Alpaca's sandbox feed).
STREAM_FEEDS = frozenset({"iex", "sip", "delayed_sip", "test"})
#: Channels a client may subscribe to, and the message type each carries.
CHANNELS = {"trades": "t", "quotes": "q", "bars": "b"}
#: Channels Alpaca also lists in every ``subscription`` reply (always empty here,
#: except corrections and cancelErrors, which mirror trades).
_LISTED = ("updatedBars", "dailyBars", "statuses", "lulds", "orderbooks")


def bar_message(bar: Bar) -> Json:
    """A ``b`` message: Alpaca's keys, ``n``/``vw`` present (alpaca-py needs them)."""
    return {
        "T": "b",
        "S": bar.symbol,
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": int(bar.volume),
        "t": bar.timestamp,
        "n": None,
        "vw": None,
    }


def quote_message(quote: Quote) -> Json:
    """A ``q`` message (exchanges are the emulator's ``V``)."""
    return {
        "T": "q",
        "S": quote.symbol,
        "bx": "V",
        "bp": quote.bid,
        "bs": int(quote.bid_size),
        "ax": "V",
        "ap": quote.ask,
        "as": int(quote.ask_size),
        "t": quote.timestamp,
        "c": ["R"],
        "z": "C",
    }


def trade_message(
    symbol: str, at: datetime, price: float, size: float, trade_id: int
) -> Json:
    """A ``t`` message: one print on the emulator's exchange ``V``."""
    return {
        "T": "t",
        "S": symbol,
        "i": trade_id,
        "x": "V",
        "p": price,
        "s": int(size),
        "t": at,
        "c": ["@"],
        "z": "C",
    }


def _error(code: int, msg: str) -> list[Json]:
    return [{"T": "error", "code": code, "msg": msg}]


class _Client:
    """One connection: its socket, encoding and subscriptions."""

    def __init__(self, ws: web.WebSocketResponse, *, msgpack_wire: bool) -> None:
        self.ws = ws
        self.msgpack_wire = msgpack_wire
        self.subscribed: dict[str, set[str]] = {c: set() for c in CHANNELS}

    def wants(self, channel: str, symbol: str) -> bool:
        symbols = self.subscribed[channel]
        return symbol in symbols or "*" in symbols

    def encode(self, messages: list[Json]) -> bytes | str:
        if self.msgpack_wire:
            packed: bytes = msgpack.packb(
                [{k: _packable(v) for k, v in m.items()} for m in messages],
                datetime=False,
            )
            return packed
        return json.dumps([_jsonable(m) for m in messages])

    async def send(self, messages: list[Json]) -> None:
        payload = self.encode(messages)
        if isinstance(payload, bytes):
            await self.ws.send_bytes(payload)
        else:
            await self.ws.send_str(payload)

    def subscription(self) -> list[Json]:
        reply: Json = {"T": "subscription"}
        for channel in CHANNELS:
            reply[channel] = sorted(self.subscribed[channel])
        for channel in _LISTED:
            reply[channel] = []
        reply["corrections"] = reply["cancelErrors"] = reply["trades"]
        return [reply]


def _packable(value: Any) -> Any:
    if isinstance(value, datetime):
        return msgpack.Timestamp.from_datetime(value)
    return value


def _jsonable(message: Json) -> Json:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in message.items()}


class DataStreamHub:
    """The connected market-data clients; publishes bars, quotes and trades."""

    def __init__(self, config: EmulatorConfig) -> None:
        """Start with no clients."""
        self._config = config
        self._clients: set[_Client] = set()
        self.connections = 0
        self.messages_sent = 0
        self.next_trade_id = 1

    @property
    def subscribers(self) -> int:
        """How many connected clients are subscribed to something now."""
        return sum(1 for c in self._clients if any(c.subscribed.values()))

    async def publish(
        self, bars: Iterable[Bar], quotes: Iterable[Quote], trades: Iterable[Json] = ()
    ) -> None:
        """Send each subscriber the messages of its symbols (bars, then quotes)."""
        messages = [bar_message(b) for b in bars] + [quote_message(q) for q in quotes]
        messages += list(trades)
        if not messages:
            return
        channel_of = {kind: channel for channel, kind in CHANNELS.items()}
        for client in list(self._clients):
            mine = [m for m in messages if client.wants(channel_of[m["T"]], m["S"])]
            if not mine:
                continue
            try:
                await client.send(mine)
                self.messages_sent += len(mine)
            except (ConnectionError, RuntimeError):
                self._clients.discard(client)

    async def drop(self) -> int:
        """Close every connection abnormally; return how many there were."""
        clients, self._clients = list(self._clients), set()
        for client in clients:
            await client.ws.close(code=1011, message=b"dropped by the emulator")
        return len(clients)

    async def handle(self, request: web.Request, *, refuse: bool) -> web.StreamResponse:
        """Serve one client connection from handshake to close."""
        feed = request.match_info["feed"]
        if feed not in STREAM_FEEDS:
            raise web.HTTPNotFound(text=f"no market-data stream for feed {feed!r}")
        if refuse:
            raise web.HTTPServiceUnavailable(text="market-data stream unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        content_type = request.headers.get("Content-Type", "")
        client = _Client(
            ws, msgpack_wire=content_type.startswith("application/msgpack")
        )
        self.connections += 1
        await client.send([{"T": "success", "msg": "connected"}])
        try:
            if await self._authenticate(client):
                self._clients.add(client)
                await self._serve(client)
        finally:
            self._clients.discard(client)
        return ws

    async def _authenticate(self, client: _Client) -> bool:
        try:
            message = await client.ws.receive(timeout=AUTH_TIMEOUT_S)
        except TimeoutError:
            await client.send(_error(404, "auth timeout"))
            await client.ws.close()
            return False
        body = _decode(message)
        if body is None or body.get("action") != "auth":
            await client.send(_error(401, "not authenticated"))
            await client.ws.close()
            return False
        given = (body.get("key"), body.get("secret"))
        if given != (self._config.key_id, self._config.secret_key):
            await client.send(_error(402, "auth failed"))
            await client.ws.close()
            return False
        await client.send([{"T": "success", "msg": "authenticated"}])
        return True

    async def _serve(self, client: _Client) -> None:
        async for message in client.ws:
            body = _decode(message)
            if body is None:
                await client.send(_error(400, "invalid syntax"))
                continue
            action = body.get("action")
            if action not in ("subscribe", "unsubscribe"):
                await client.send(_error(400, "invalid syntax"))
                continue
            for channel in CHANNELS:
                symbols = body.get(channel) or []
                if action == "subscribe":
                    client.subscribed[channel].update(map(str, symbols))
                else:
                    client.subscribed[channel].difference_update(map(str, symbols))
            await client.send(client.subscription())


def _decode(message: Any) -> Json | None:
    """A client frame: msgpack when binary, JSON when text; ``None`` when neither."""
    try:
        if message.type == WSMsgType.BINARY:
            body = msgpack.unpackb(message.data)
        elif message.type == WSMsgType.TEXT:
            body = json.loads(message.data)
        else:
            return None
    except (ValueError, msgpack.UnpackException):
        return None
    return body if isinstance(body, dict) else None
