"""The trade-updates stream, supervised: its own thread, a queue, seeded backoff.

alpaca-py's ``TradingStream`` reconnects by itself but tells no one, and events sent
while it was away are lost (docs/alpaca.md §6). :class:`StreamSupervisor` runs it in a
daemon thread and puts into one queue, in arrival order:

- ``Connected``: after every (re)connection and subscription, so the broker re-reads
  order state over REST before trusting the stream again;
- the raw ``trade_updates`` payloads (validated later, on the consumer's thread,
  so a malformed frame is counted and triggers a resync instead of vanishing);
- ``AuthFailed``: the credentials were refused; the stream stops (fail closed).

The reconnect delay comes from a seeded ``numpy`` generator (exponential backoff,
equal jitter) instead of the SDK's global ``random``.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import attrs
import numpy as np

from tradecore.adapters.alpaca._sdk import TradingStream
from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.stream_thread import stop_stream_thread

log = logging.getLogger(__name__)


@attrs.frozen
class Connected:
    """The stream (re)connected and subscribed; ``number`` counts connections."""

    number: int


@attrs.frozen
class AuthFailed:
    """The stream's credentials were refused."""


Item = Connected | AuthFailed | dict[str, Any]


@attrs.define
class StreamStatus:
    """Counters an operator (or a test driver) can read at any time."""

    connected: bool = False
    connections: int = 0
    frames: int = 0
    auth_failed: bool = False


def backoff_delay(
    retries: int, low: float, high: float, rng: np.random.Generator
) -> float:
    """Return the ``retries``-th reconnect delay: exponential, capped, equal jitter."""
    capped = min(high, low * 2.0 ** max(0, retries - 1))
    return capped / 2 + float(rng.uniform(0, capped / 2))


class _SupervisedStream(TradingStream):
    """alpaca-py's stream with hooks on connect, auth failure, stop and backoff."""

    def __init__(self, supervisor: StreamSupervisor, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._supervisor = supervisor

    def _reconnect_delay(self, retries: int) -> float:
        supervisor: StreamSupervisor = self._supervisor
        return supervisor.next_delay(retries)

    async def _auth(self) -> None:
        try:
            await super()._auth()  # type: ignore[no-untyped-call]
        except ValueError:
            self._supervisor.auth_failed()
            self._should_run = False
            if self._stop_stream_event is not None:
                self._stop_stream_event.set()
            raise

    async def _start_ws(self) -> None:
        await super()._start_ws()  # type: ignore[no-untyped-call]
        self._supervisor.connected()

    async def stop_ws(self) -> None:
        # The SDK only notices a stop request between frames (up to 5 s): close now.
        await super().stop_ws()
        if self._ws is not None:
            await self._ws.close()


class StreamSupervisor:
    """Runs the trade-updates stream in a thread and queues what it receives."""

    def __init__(self, config: AlpacaConfig, credentials: AlpacaCredentials) -> None:
        """Prepare the stream; :meth:`start` connects."""
        self.items: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._status = StreamStatus()
        self._lock = threading.Lock()
        self._rng = np.random.default_rng(config.seed)
        self._config = config
        self._stream = _SupervisedStream(
            self,
            api_key=credentials.key_id,
            secret_key=credentials.secret_key,
            paper=config.paper,
            raw_data=True,
            url_override=config.trade_stream_url,
        )
        self._stream._reconnect_min_backoff = config.reconnect_min_s
        self._stream._reconnect_max_backoff = config.reconnect_max_s
        self._stream.subscribe_trade_updates(self._on_update)
        self._thread = threading.Thread(
            target=self._stream.run, name="alpaca-trade-updates", daemon=True
        )

    def start(self) -> None:
        """Start the stream thread (it connects, and reconnects, by itself)."""
        self._thread.start()

    def status(self) -> StreamStatus:
        """Return a copy of the counters."""
        with self._lock:
            return attrs.evolve(self._status)

    def stop(self) -> None:
        """Stop the stream and wait for its thread (idempotent)."""
        stop_stream_thread(self._stream, self._thread)

    # --- called on the stream's thread --------------------------------------------

    def next_delay(self, retries: int) -> float:
        """Return the next reconnect delay and mark the stream disconnected."""
        with self._lock:
            self._status.connected = False
            delay = backoff_delay(
                retries,
                self._config.reconnect_min_s,
                self._config.reconnect_max_s,
                self._rng,
            )
        log.warning("trade-updates stream lost; reconnecting in %.2fs", delay)
        return delay

    def connected(self) -> None:
        """Queue a resync marker: events may have been lost before this point."""
        with self._lock:
            self._status.connected = True
            self._status.connections += 1
            number = self._status.connections
        self.items.put(Connected(number))

    def auth_failed(self) -> None:
        """Record that the credentials were refused; the stream stops."""
        with self._lock:
            self._status.auth_failed = True
            self._status.connected = False
        log.error("trade-updates stream: credentials refused; stream stopped")
        self.items.put(AuthFailed())

    async def _on_update(self, message: dict[str, Any]) -> None:
        data = message.get("data")
        self.items.put(data if isinstance(data, dict) else {"malformed": message})
        with self._lock:
            self._status.frames += 1
