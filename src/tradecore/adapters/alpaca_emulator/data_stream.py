"""The market-data WebSocket (``/v2/{feed}``), as alpaca-py's ``StockDataStream`` uses it.

Protocol (Alpaca's real-time stock data stream): on connect the server sends
``[{"T":"success","msg":"connected"}]``; the client's first frame must be
``{"action":"auth","key","secret"}`` (within 10 s), answered ``authenticated`` or an
error (402 auth failed, 404 auth timeout); ``subscribe``/``unsubscribe`` actions name
symbols per channel (``trades``, ``quotes``, ``bars``, ``updatedBars``,
``dailyBars``, ``statuses``, ``lulds``; ``*`` is every symbol) and are answered with
a ``subscription`` frame listing everything subscribed. Data frames are arrays of
``{"T":"b"|"q"|"t"|"u"|"d"|"s"|"l","S":symbol,...}`` with Alpaca's compact keys
(alpacahq/alpaca-docs ``content/api-references/market-data-api/stock-pricing-data/
realtime.md``: the bar, daily-bar and status schemas; the status and halt-reason
codes of the CTA and UTP plans; alpaca-py ``alpaca/data/live/websocket.py``
``_MsgType`` and ``_CHANNEL_TYPES`` for ``u`` → ``updatedBars`` and ``l`` →
``lulds``). A ``u`` bar is a corrected minute bar: same symbol and ``t`` as the
``b`` bar it replaces, sent when late trades change it (Alpaca recalculates each
minute bar 30 s after the minute, alpaca.markets/learn/stock-minute-bars, quoted in
Petersoj/alpaca-java#166). A ``l`` message carries the LULD band: ``u`` limit up,
``d`` limit down, ``i`` indicator, ``z`` tape.

Connection errors are Alpaca's (same realtime.md, "Errors"): an error frame
``[{"T":"error","code":406,"msg":"connection limit exceeded"}]`` ("You already have
an ongoing authenticated session") answers the auth of a connection beyond
``EmulatorConfig.data_connection_limit`` (Alpaca's free plan allows one per key,
docs/alpaca.md §7), and ``409 "insufficient subscription"`` ("You have attempted to
access a data source not available in your subscription package") answers the auth
on the ``sip`` feed without ``sip_subscription``; the server then closes.
alpaca-py's ``_auth`` raises ``ValueError(msg)`` for any error reply;
``_run_forever`` stops for good on "insufficient subscription" and backs off and
reconnects on anything else.

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
CHANNELS = {
    "trades": "t",
    "quotes": "q",
    "bars": "b",
    "updatedBars": "u",
    "dailyBars": "d",
    "statuses": "s",
    "lulds": "l",
}
#: Channels Alpaca also lists in every ``subscription`` reply (always empty here,
#: except corrections and cancelErrors, which mirror trades).
_LISTED = ("orderbooks",)
CONNECTION_LIMIT = (406, "connection limit exceeded")
INSUFFICIENT_SUBSCRIPTION = (409, "insufficient subscription")
#: Trading status codes (realtime.md, "Security status"): CTA tapes A/B, UTP tape C.
HALT_CODES = {"A": "2", "B": "2", "C": "H"}
RESUME_CODES = {"A": "3", "B": "3", "C": "T"}


def bar_message(bar: Bar, kind: str = "b") -> Json:
    """A ``b`` (or ``u``, ``d``) message: Alpaca's keys, ``n``/``vw`` present."""
    return {
        "T": kind,
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


def status_message(
    symbol: str, at: datetime, *, halted: bool, reason: str, tape: str = "C"
) -> Json:
    """An ``s`` message: a halt (``H``/``2``) or a resumption (``T``/``3``)."""
    code = (HALT_CODES if halted else RESUME_CODES)[tape]
    return {
        "T": "s",
        "S": symbol,
        "sc": code,
        "sm": "Trading Halt" if halted else "Trading Resumption",
        "rc": reason,
        "rm": reason,
        "t": at,
        "z": tape,
    }


def luld_message(
    symbol: str, at: datetime, *, up: float, down: float, indicator: str = "B"
) -> Json:
    """An ``l`` message: the Limit Up-Limit Down band of ``symbol``."""
    return {
        "T": "l",
        "S": symbol,
        "u": up,
        "d": down,
        "i": indicator,
        "t": at,
        "z": "C",
    }


def _error(code: int, msg: str) -> list[Json]:
    return [{"T": "error", "code": code, "msg": msg}]


class _Client:
    """One connection: its socket, encoding and subscriptions."""

    def __init__(
        self, ws: web.WebSocketResponse, *, msgpack_wire: bool, feed: str
    ) -> None:
        self.ws = ws
        self.msgpack_wire = msgpack_wire
        self.feed = feed
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
        #: Connections refused after auth, by error code (406, 409).
        self.refused: dict[int, int] = {}

    @property
    def subscribers(self) -> int:
        """How many connected clients are subscribed to something now."""
        return sum(1 for c in self._clients if any(c.subscribed.values()))

    async def publish(
        self, bars: Iterable[Bar], quotes: Iterable[Quote], trades: Iterable[Json] = ()
    ) -> None:
        """Send each subscriber the messages of its symbols (bars, then quotes)."""
        messages = [bar_message(b) for b in bars] + [quote_message(q) for q in quotes]
        await self.publish_messages(messages + list(trades))

    async def publish_messages(self, messages: list[Json]) -> None:
        """Send each subscriber the messages of its channels and symbols."""
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
            ws, msgpack_wire=content_type.startswith("application/msgpack"), feed=feed
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
        refusal = self._refusal(client)
        if refusal is not None:
            self.refused[refusal[0]] = self.refused.get(refusal[0], 0) + 1
            await client.send(_error(*refusal))
            await client.ws.close()
            return False
        await client.send([{"T": "success", "msg": "authenticated"}])
        return True

    def _refusal(self, client: _Client) -> tuple[int, str] | None:
        """406 beyond the connection limit, 409 on sip without the subscription."""
        limit = self._config.data_connection_limit
        if limit is not None and len(self._clients) >= limit:
            return CONNECTION_LIMIT
        if client.feed == "sip" and not self._config.sip_subscription:
            return INSUFFICIENT_SUBSCRIPTION
        return None

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
