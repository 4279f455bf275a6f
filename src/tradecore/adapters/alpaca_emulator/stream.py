"""The trade-updates WebSocket: handshake, subscriptions, publication, drops.

The handshake is alpaca-py's (docs/alpaca.md §6): the client's first frame must be the
``authenticate`` action and the first frame it receives is the authorization reply;
``listen`` then subscribes it to ``trade_updates``. Updates go out as binary frames of
JSON text, as Alpaca's paper stream sends them. Nothing is buffered for a client that
is not connected: updates published while it is away are lost, as at Alpaca.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from tradecore.adapters.alpaca_emulator.config import EmulatorConfig

log = logging.getLogger(__name__)
AUTH_TIMEOUT_S = 10.0


def _frame(stream: str, data: dict[str, Any]) -> bytes:
    return json.dumps({"stream": stream, "data": data}).encode()


def _authorization(status: str, action: str) -> bytes:
    return _frame("authorization", {"status": status, "action": action})


class StreamHub:
    """The connected clients and what was sent to them."""

    def __init__(self, config: EmulatorConfig) -> None:
        """Start with no clients."""
        self._config = config
        self._clients: set[web.WebSocketResponse] = set()
        self._listeners: set[web.WebSocketResponse] = set()
        self._lock = asyncio.Lock()
        self.frames_sent = 0
        self.connections = 0
        self.recorded: list[bytes] = []

    @property
    def listeners(self) -> int:
        """How many clients are subscribed to trade updates now."""
        return len(self._listeners)

    async def publish(self, outbox: list[dict[str, Any]]) -> None:
        """Send and forget every frame in ``outbox`` (in place), in order."""
        async with self._lock:
            frames, outbox[:] = list(outbox), []
            for frame in frames:
                payload = json.dumps(frame).encode()
                if self._config.record_wire:
                    self.recorded.append(payload)
                for ws in list(self._listeners):
                    try:
                        await ws.send_bytes(payload)
                        self.frames_sent += 1
                    except (ConnectionError, RuntimeError):
                        self._listeners.discard(ws)

    async def drop(self) -> int:
        """Close every connection abnormally; return how many there were."""
        clients = list(self._clients)
        self._listeners.clear()
        for ws in clients:
            await ws.close(code=1011, message=b"dropped by the emulator")
        return len(clients)

    async def handle(self, request: web.Request, *, refuse: bool) -> web.StreamResponse:
        """Serve one client connection from handshake to close."""
        if refuse:
            raise web.HTTPServiceUnavailable(text="stream unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self._clients.add(ws)
        try:
            if await self._authenticate(ws):
                await self._serve(ws)
        finally:
            self._clients.discard(ws)
            self._listeners.discard(ws)
        return ws

    async def _authenticate(self, ws: web.WebSocketResponse) -> bool:
        try:
            message = await ws.receive(timeout=AUTH_TIMEOUT_S)
        except TimeoutError:
            await ws.close()
            return False
        body = _json(message)
        if body is None or body.get("action") not in ("authenticate", "auth"):
            action = "listen" if body and body.get("action") == "listen" else "unknown"
            await ws.send_bytes(_authorization("unauthorized", action))
            await ws.close()
            return False
        data = body.get("data") or body
        key, secret = data.get("key_id") or data.get("key"), data.get("secret_key")
        secret = secret or data.get("secret")
        if (key, secret) != (self._config.key_id, self._config.secret_key):
            await ws.send_bytes(_authorization("unauthorized", "authenticate"))
            await ws.close()
            return False
        await ws.send_bytes(_authorization("authorized", "authenticate"))
        return True

    async def _serve(self, ws: web.WebSocketResponse) -> None:
        async for message in ws:
            body = _json(message)
            if body is None or body.get("action") != "listen":
                continue
            streams = (body.get("data") or {}).get("streams") or []
            if "trade_updates" in streams:
                self._listeners.add(ws)
            else:
                self._listeners.discard(ws)
            listening = [s for s in streams if s == "trade_updates"]
            await ws.send_bytes(_frame("listening", {"streams": listening}))


def _json(message: Any) -> dict[str, Any] | None:
    if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return None
    try:
        body = json.loads(message.data)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
