"""AlpacaStreamBarFeed: the BarFeed port over alpaca-py's ``StockDataStream``.

The stream runs in a daemon thread and buffers each closed bar it pushes, stamped
with the feed's provenance. Alpaca keeps nothing for a client that is away, so every
gap is filled over REST (the historical client, :class:`AlpacaMarketData`):

- the first :meth:`poll`, and the first poll after every (re)subscription, fetch the
  bars from the last one served up to ``now`` (the warm-up window, then any bars
  pushed while the stream was down);
- while the stream is not connected, every poll fetches (the feed degrades to
  polling rather than going quiet).

The backfill runs *after* the subscription is acknowledged, so a bar closing during
it arrives over the stream; bars are keyed by symbol and start time, so a bar that
comes both ways (or twice) is served once, and never after a later bar of its
symbol. Reconnects wait an exponential delay with equal jitter from a seeded
generator (:func:`tradecore.domain.backoff.backoff_delays`), not the SDK's global
``random``.

Alpaca's rarer messages and refusals (alpacahq/alpaca-docs ``content/api-references/
market-data-api/stock-pricing-data/realtime.md``; alpaca-py ``alpaca/data/live/
websocket.py``) each have their own handling:

- **406 "connection limit exceeded"** (another connection holds the key's only
  slot): alpaca-py's ``_auth`` raises ``ValueError`` with the message and
  ``_run_forever`` backs off and reconnects; the feed counts it, alerts
  (``data.stream_refused``) and, while not connected, serves bars over REST. Never
  a credentials failure.
- **409 "insufficient subscription"** (e.g. the ``sip`` stream without the SIP
  plan): alpaca-py stops the stream for good; the feed alerts once and falls back
  to REST polling for the rest of its life (every poll backfills).
- **402 "auth failed"** (and any other refused auth): the credentials were
  refused: the stream stops and :meth:`poll` raises ``AuthenticationFailed``.
- **``u``, a corrected minute bar** (Alpaca recalculates each minute bar 30 s after
  the minute to take late trades): it replaces the bar with the same symbol and
  start. *Replaces* means: if that bar is not served yet, the engine only ever
  sees the corrected one; if it was served already, the engine's decision stands
  (bars are served once, in order) and the correction is kept for
  :meth:`take_corrections`, alerted (``data.bar_corrected``), and is what the REST
  history — the warm-up window and every backfill — returns from then on.
- **``d``, ``s``, ``l``**: daily bars, trading statuses (halts) and LULD bands
  are kept in a :class:`~.market_status.MarketStatusBook`; the feed is the
  :class:`TradingStatusView` of the halts (:meth:`halted`), each one alerted
  (alpaca-py has no ``subscribe_lulds``: the feed registers its handler on the
  ``lulds`` channel).

Alerts are queued on the stream's thread and sent to the ``alerter`` by
:meth:`poll`, on the caller's thread.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np

from tradecore.adapters.alpaca.config import AlpacaConfig
from tradecore.adapters.alpaca.credentials import AlpacaCredentials
from tradecore.adapters.alpaca.market_data import AlpacaMarketData
from tradecore.adapters.alpaca.market_status import Band, MarketStatusBook
from tradecore.adapters.alpaca.stream_thread import stop_stream_thread
from tradecore.domain.backoff import backoff_delays
from tradecore.domain.errors import AuthenticationFailed, InvalidInput
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.market.trading_status import TradingHalt
from tradecore.ports.alerts import AlertCode, Alerter, Severity
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.trading_status import TradingStatusView

with warnings.catch_warnings():
    # The data stream imports websockets.legacy, deprecated upstream (websockets 14).
    warnings.simplefilter("ignore", DeprecationWarning)
    from alpaca.data.enums import DataFeed
    from alpaca.data.live.stock import StockDataStream
    from alpaca.data.models import Bar as SdkBar
    from alpaca.data.models import TradingStatus

log = logging.getLogger(__name__)
#: Alpaca's market-data stream host; the path names the feed.
STREAM_HOST = "wss://stream.data.alpaca.markets"
#: The feeds alpaca-py's StockDataStream accepts.
STREAM_FEEDS = {Provenance.IEX: DataFeed.IEX, Provenance.SIP: DataFeed.SIP}
_TICK = timedelta(microseconds=1)
_MAX_DOUBLINGS = 30
#: alpaca-py's messages for the refusals that are not about the credentials.
CONNECTION_LIMIT = "connection limit exceeded"
INSUFFICIENT_SUBSCRIPTION = "insufficient subscription"


def stream_url_for(feed: Provenance, rest_origin: str | None) -> str:
    """The stream URL of ``feed``: at Alpaca, or at ``rest_origin``'s host (emulator)."""
    if rest_origin is None:
        return f"{STREAM_HOST}/v2/{feed.value}"
    ws_origin = rest_origin.replace("https://", "wss://", 1).replace(
        "http://", "ws://", 1
    )
    return f"{ws_origin}/v2/{feed.value}"


@attrs.define
class StreamFeedStatus:
    """Counters an operator (or a test) can read at any time."""

    connected: bool = False
    connections: int = 0
    subscriptions: int = 0
    #: Bars received over the stream, over REST backfills, and dropped as seen.
    streamed: int = 0
    backfilled: int = 0
    duplicates: int = 0
    backfills: int = 0
    auth_failed: bool = False
    #: 406s received (each backed off and retried).
    connection_limited: int = 0
    #: A 409 stopped the stream: bars come over REST only.
    insufficient_subscription: bool = False
    #: Corrected bars: replaced before serving, or kept after it.
    corrected_unserved: int = 0
    corrected_served: int = 0


class _FeedStream(StockDataStream):
    """alpaca-py's data stream with hooks on connect, subscription, auth and backoff."""

    def __init__(self, owner: AlpacaStreamBarFeed, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._feed = owner

    def _reconnect_delay(self, retries: int) -> float:
        return self._feed.next_delay(retries)

    async def _auth(self) -> None:
        try:
            await super()._auth()
        except ValueError as e:
            message = str(e)
            if CONNECTION_LIMIT in message:
                self._feed.connection_limited()  # the SDK backs off, retries
            elif INSUFFICIENT_SUBSCRIPTION in message:
                self._feed.insufficient_subscription()  # the SDK stops for good
            else:
                self._feed.auth_failed()
                self._should_run = False
                if self._stop_stream_event is not None:
                    self._stop_stream_event.set()
            raise

    def subscribe_lulds(self, handler: Any, *symbols: str) -> None:
        # alpaca-py 0.44 routes ``l`` to the ``lulds`` channel but has no helper.
        self._subscribe(handler, symbols, self._handlers["lulds"])  # type: ignore[arg-type]

    async def _start_ws(self) -> None:
        await super()._start_ws()
        self._feed.connected()

    async def _dispatch(self, msg: dict[str, Any]) -> None:
        await super()._dispatch(msg)
        if msg.get("T") == "subscription":
            self._feed.subscribed()

    async def stop_ws(self) -> None:
        # The SDK only notices a stop request between frames (up to 5 s): close now.
        await super().stop_ws()
        if self._ws is not None:
            await self._ws.close()


class AlpacaStreamBarFeed(BarFeed, TradingStatusView):
    """Closed bars of ``symbols`` from ``start`` on, pushed by the stream, gaps backfilled."""

    def __init__(
        self,
        data: AlpacaMarketData,
        symbols: Sequence[str],
        *,
        start: datetime,
        config: AlpacaConfig,
        credentials: AlpacaCredentials,
        stream_url: str,
        alerter: Alerter | None = None,
    ) -> None:
        """Prepare the stream; :meth:`start` connects (in a background thread).

        Raises:
            InvalidInput: no symbols, a naive ``start``, or a feed the stream lacks.
        """
        if not symbols:
            raise InvalidInput("symbols", symbols, "name at least one symbol")
        if start.tzinfo is None:
            raise InvalidInput("start", start, "must be timezone-aware (UTC)")
        if data.provenance not in STREAM_FEEDS:
            raise InvalidInput(
                "feed", data.provenance.value, "the stream serves iex or sip only"
            )
        self._data = data
        self._symbols = list(dict.fromkeys(symbols))
        self._order = {s: i for i, s in enumerate(self._symbols)}
        self._next = dict.fromkeys(self._symbols, start)
        self._buffer: dict[tuple[str, datetime], Bar] = {}
        self._gap = True
        self._started = False
        self._lock = threading.Lock()
        self._status = StreamFeedStatus()
        self._config = config
        self._rng = np.random.default_rng(config.seed)
        self._stream = _FeedStream(
            self,
            api_key=credentials.key_id,
            secret_key=credentials.secret_key,
            feed=STREAM_FEEDS[data.provenance],
            url_override=stream_url,
        )
        self._alerter = alerter
        self._corrections: list[Bar] = []
        # How each buffered bar came (for a recording): "rest" (a backfill) or
        # "stream", and whether the stream corrected it before it was served.
        self._origin: dict[tuple[str, datetime], tuple[str, bool]] = {}
        self._served_origin: list[tuple[str, bool]] = []
        self._limited = False  # in a streak of 406s (reset by a connection)
        self.market = MarketStatusBook()
        self._stream.subscribe_bars(self._on_bar, *self._symbols)
        self._stream.subscribe_updated_bars(self._on_updated_bar, *self._symbols)
        self._stream.subscribe_daily_bars(self._on_daily_bar, *self._symbols)
        self._stream.subscribe_trading_statuses(self._on_status, *self._symbols)
        self._stream.subscribe_lulds(self._on_luld, *self._symbols)
        self._thread = threading.Thread(
            target=self._stream.run, name="alpaca-data-stream", daemon=True
        )

    def start(self) -> AlpacaStreamBarFeed:
        """Start the stream thread (it connects, and reconnects, by itself).

        Idempotent; the first :meth:`poll` calls it, so a feed built but never
        polled holds no thread or connection.
        """
        with self._lock:
            if self._started:
                return self
            self._started = True
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the stream and wait for its thread (idempotent)."""
        stop_stream_thread(self._stream, self._thread)

    def status(self) -> StreamFeedStatus:
        """Return a copy of the counters."""
        with self._lock:
            return attrs.evolve(self._status)

    def poll(self, now: datetime) -> list[Bar]:
        """Return the bars closed by ``now`` not returned yet, in time order.

        Raises:
            AuthenticationFailed: the stream's credentials were refused.
            TradecoreError: a backfill failed (it is tried again on the next poll).
        """
        self.start()
        self._send_alerts()
        with self._lock:
            if self._status.auth_failed:
                raise AuthenticationFailed("market-data stream: credentials refused")
            backfill = self._gap or not self._status.connected
            self._gap = False
        if backfill:
            try:
                self._backfill(now)
            except Exception:
                with self._lock:
                    self._gap = True
                raise
        return self._take_closed(now)

    def halted(self) -> dict[str, TradingHalt]:
        """Return the symbols halted now (a status ``s`` halt not yet resumed)."""
        return self.market.halted()

    def set_alerter(self, alerter: Alerter) -> None:
        """Send the feed's alerts (refusals, halts, late corrections) here."""
        self._alerter = alerter

    def take_corrections(self) -> list[Bar]:
        """Return (once) the corrections of bars that were already served."""
        with self._lock:
            taken, self._corrections = self._corrections, []
        return taken

    def served_origin(self) -> list[tuple[str, bool]]:
        """How each bar the last :meth:`poll` returned came: ``rest`` (backfilled)
        or ``stream``, and whether the stream corrected it before it was served."""
        with self._lock:
            return list(self._served_origin)

    def daily_bar(self, symbol: str) -> Bar | None:
        """The latest daily bar streamed for ``symbol`` (partial during the day)."""
        return self.market.daily_bar(symbol)

    def luld(self, symbol: str) -> Band | None:
        """The latest LULD band of ``symbol``: (limit up, limit down, indicator)."""
        return self.market.luld(symbol)

    def _send_alerts(self) -> None:
        alerts = self.market.take_alerts()
        if self._alerter is not None:
            for alert in alerts:
                self._alerter.send(alert)

    @property
    def exhausted(self) -> bool:
        """Never: a live feed always has a next bar."""
        return False

    def next_close(self) -> datetime | None:
        """Unknown: the loop polls once per bar interval."""
        return None

    def _backfill(self, now: datetime) -> None:
        with self._lock:
            start = min(self._next.values())
            self._status.backfills += 1
        end = now - self._data.interval + _TICK
        if end <= start:
            return
        found = self._data.bars_of(self._symbols, start, end)
        with self._lock:
            for bars in found.values():
                for bar in bars:
                    if self._add(bar):
                        self._origin[(bar.symbol, bar.timestamp)] = ("rest", False)
                        self._status.backfilled += 1

    def _take_closed(self, now: datetime) -> list[Bar]:
        interval = self._data.interval
        with self._lock:
            if self._gap:
                # Resubscribed since this poll began: the gap may hold bars older
                # than those buffered. Serve nothing until the next poll backfills.
                self._served_origin = []
                return []
            ready = [b for b in self._buffer.values() if b.timestamp + interval <= now]
            ready.sort(key=lambda b: (b.timestamp, self._order[b.symbol]))
            self._served_origin = [
                self._origin.pop((b.symbol, b.timestamp), ("stream", False))
                for b in ready
            ]
            for bar in ready:
                del self._buffer[(bar.symbol, bar.timestamp)]
                self._next[bar.symbol] = max(
                    self._next[bar.symbol], bar.timestamp + _TICK
                )
        return ready

    def _add(self, bar: Bar) -> bool:
        """Buffer ``bar`` unless served or buffered already (caller holds the lock)."""
        key = (bar.symbol, bar.timestamp)
        if bar.symbol not in self._next:
            return False
        if bar.timestamp < self._next[bar.symbol] or key in self._buffer:
            self._status.duplicates += 1
            return False
        self._buffer[key] = bar
        return True

    # --- called on the stream's thread --------------------------------------------

    async def _on_bar(self, sdk: SdkBar | dict[Any, Any]) -> None:
        if not isinstance(sdk, SdkBar):  # raw frames are off: never a dict
            log.warning("market-data stream: unparsed bar frame dropped: %r", sdk)
            return
        bar = self._data.bar_from_sdk(sdk.symbol, sdk)
        with self._lock:
            if self._add(bar):
                self._status.streamed += 1

    async def _on_updated_bar(self, sdk: SdkBar | dict[Any, Any]) -> None:
        if not isinstance(sdk, SdkBar):
            return
        bar = self._data.bar_from_sdk(sdk.symbol, sdk)
        key = (bar.symbol, bar.timestamp)
        with self._lock:
            if bar.symbol not in self._next:
                return
            if bar.timestamp >= self._next[bar.symbol]:
                self._buffer[key] = bar  # not served yet: the engine sees this one
                self._origin[key] = ("stream", True)
                self._status.corrected_unserved += 1
                return
            self._corrections.append(bar)
            self._status.corrected_served += 1
        self.market.alert(
            Severity.INFO,
            AlertCode.BAR_CORRECTED,
            f"{bar.symbol} bar {bar.timestamp.isoformat()} corrected after it "
            f"was served (close {bar.close})",
            bar.symbol,
        )

    async def _on_daily_bar(self, sdk: SdkBar | dict[Any, Any]) -> None:
        if isinstance(sdk, SdkBar):
            self.market.on_daily_bar(self._data.bar_from_sdk(sdk.symbol, sdk))

    async def _on_status(self, status: TradingStatus | dict[Any, Any]) -> None:
        if isinstance(status, TradingStatus):
            self.market.on_status(
                status.symbol,
                status.timestamp,
                code=status.status_code,
                message=status.status_message,
                reason_code=status.reason_code,
                reason=status.reason_message,
            )

    async def _on_luld(self, message: dict[Any, Any]) -> None:
        try:
            band = (float(message["u"]), float(message["d"]), str(message.get("i")))
        except (KeyError, TypeError, ValueError):
            log.warning("market-data stream: unreadable LULD frame: %r", message)
            return
        self.market.on_luld(str(message.get("S")), band)

    def connection_limited(self) -> None:
        """Count a 406: another connection holds the slot; the SDK backs off."""
        with self._lock:
            self._status.connection_limited += 1
            self._status.connected = False
            first, self._limited = not self._limited, True
        log.warning("market-data stream: connection limit exceeded; backing off")
        if not first:
            return  # one alert per streak of 406s, not one per retry
        self.market.alert(
            Severity.WARNING,
            AlertCode.DATA_STREAM_REFUSED,
            "market-data stream: 406 connection limit exceeded (another "
            "connection uses this key); backing off, bars polled over REST",
            "connection_limit",
            condition="connection_limit",
        )

    def insufficient_subscription(self) -> None:
        """Record a 409: the plan lacks this feed; bars come over REST from now on."""
        with self._lock:
            self._status.insufficient_subscription = True
            self._status.connected = False
        self.market.alert(
            Severity.WARNING,
            AlertCode.DATA_STREAM_REFUSED,
            f"market-data stream: 409 insufficient subscription for feed "
            f"{self._data.provenance.value}; falling back to REST polling",
            "insufficient_subscription",
            condition="insufficient_subscription",
        )
        log.error("market-data stream: insufficient subscription; polling REST")

    def next_delay(self, retries: int) -> float:
        """Return the next reconnect delay and mark the stream disconnected."""
        low, high = self._config.reconnect_min_s, self._config.reconnect_max_s
        base = low * 2.0 ** min(max(0, retries - 1), _MAX_DOUBLINGS)
        with self._lock:
            self._status.connected = False
            delay = backoff_delays(1, base_s=base, cap_s=high, rng=self._rng)[0]
        log.warning("market-data stream lost; reconnecting in %.2fs", delay)
        return delay

    def connected(self) -> None:
        """Count a (re)connection; the subscription acknowledgement follows."""
        with self._lock:
            self._limited = False
            self._status.connected = True
            self._status.connections += 1

    def subscribed(self) -> None:
        """Mark a gap: bars may have been pushed while no subscription was live."""
        with self._lock:
            self._status.subscriptions += 1
            self._gap = True

    def auth_failed(self) -> None:
        """Record that the credentials were refused; the stream stops."""
        with self._lock:
            self._status.auth_failed = True
            self._status.connected = False
        log.error("market-data stream: credentials refused; stream stopped")
