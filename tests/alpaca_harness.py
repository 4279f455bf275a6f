"""Drive the Alpaca adapter against the Alpaca-protocol emulator, in process.

Shared by the Broker contract suite and the fault tests. The emulator serves on a
free loopback port from a background thread; the adapter talks to it with alpaca-py
(REST and the trade-updates stream). Market data and virtual time go through the
emulator's control API; after each step the harness waits until the adapter's stream
has received every frame the emulator sent, then polls the adapter's events, so the
event log is as complete as the simulated broker's.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

try:
    import aiohttp  # noqa: F401
    import alpaca  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installed extras
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(
        f"skipped: the Alpaca emulator suite needs the 'alpaca' and 'emulator' extras "
        f"(pip install -e '.[test]'): {e}",
        allow_module_level=True,
    )

from tradecore.adapters.alpaca import AlpacaBroker, AlpacaConfig, AlpacaCredentials
from tradecore.adapters.alpaca_emulator import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)
from tradecore.domain.market.bars import Bar
from tradecore.domain.orders.events import OrderEvent
from tradecore.ports.rate_limit import RateLimiter

#: Monday 2026-01-05, one hour into the default session (13:30–20:00 UTC).
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SETTLE_SECONDS = 5.0
SYNC_TIMEOUT_S = 10.0
CREDENTIALS = AlpacaCredentials(key_id=DEFAULT_KEY_ID, secret_key=DEFAULT_SECRET_KEY)


def adapter_config(server: EmulatorServer, **overrides: Any) -> AlpacaConfig:
    """Return an adapter config pointed at ``server``, with quick reconnects."""
    settings: dict[str, Any] = {
        "base_url": server.base_url,
        "stream_url": server.stream_url,
        "reconnect_min_s": 0.02,
        "reconnect_max_s": 0.2,
        "read_timeout_s": 5.0,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    settings.update(overrides)
    return AlpacaConfig(**settings)


def eventually(check: Any, timeout_s: float = SYNC_TIMEOUT_S, what: str = "") -> None:
    """Poll ``check()`` until it is true; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.002)


class EmulatorClock:
    """The emulator's virtual now, as the harness last saw it (the adapter's clock)."""

    def __init__(self, harness: AlpacaHarness) -> None:
        self._harness = harness

    def now(self) -> datetime:
        return self._harness.now()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class AlpacaHarness:
    """The BrokerHarness of the contract suite, over emulator + AlpacaBroker."""

    symbol = "AAPL"
    unknown_symbol = "NOPE"
    last_price = 100.0
    starting_cash = Decimal(100_000)
    cost_allowance_bps = 150.0

    def __init__(
        self,
        fill_model: str = "realistic",
        seed: int = 7,
        *,
        emulator: dict[str, Any] | None = None,
        limiter: RateLimiter | None = None,
        **adapter: Any,
    ) -> None:
        """Start an emulator and a connected adapter; ``emulator`` and ``adapter``
        override their configs."""
        settings: dict[str, Any] = {
            "seed": seed,
            "start": START,
            "fill_model": fill_model,
            "starting_cash": self.starting_cash,
            "tradable": frozenset({self.symbol, "MSFT"}),
            "send_retry_after": True,
        }
        settings.update(emulator or {})
        self.starting_cash = settings["starting_cash"]
        self.server = EmulatorServer(EmulatorConfig(**settings)).start()
        self.control = EmulatorControl(self.server.base_url)
        self._state: dict[str, Any] = self.control.state()
        # The adapter's clock is the emulator's virtual one (as live, the wall clock
        # is Alpaca's): dated rules (day trading, auction cut-offs) read it.
        self.broker = AlpacaBroker(
            adapter_config(self.server, **adapter),
            CREDENTIALS,
            limiter=limiter,
            clock=EmulatorClock(self),
        )
        self.partial_fills = fill_model == "realistic"
        self.log: list[OrderEvent] = []
        self._drained = 0
        self.broker.connect()
        eventually(lambda: self.control.state()["listeners"] == 1, what="listen")
        self.sync(self.control.state())
        self.feed_bar(open=100.0, high=100.2, low=99.8, close=self.last_price)

    def now(self) -> datetime:
        return datetime.fromisoformat(self._state["now"])

    def feed_bar(
        self,
        *,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float = 1_000_000.0,
    ) -> Bar:
        bar = Bar(
            symbol=self.symbol,
            timestamp=self.now(),
            open=open,
            high=high,
            low=low,
            close=close,
            volume=volume,
        )
        item = {"symbol": bar.symbol, "t": bar.timestamp.isoformat()}
        item.update(o=open, h=high, l=low, c=close, v=volume)
        self.sync(self.control.bars([item]))
        return bar

    def advance(self, seconds: float) -> None:
        self.sync(self.control.advance(seconds))

    def drain(self) -> list[OrderEvent]:
        self.advance(SETTLE_SECONDS)
        new = self.log[self._drained :]
        self._drained = len(self.log)
        return new

    def seconds_to_session_close(self) -> float:
        close = datetime.fromisoformat(self.control.state()["next_close"])
        return (close - self.now()).total_seconds()

    def sync(self, state: dict[str, Any]) -> None:
        """Wait until the adapter received what the emulator sent; collect events."""
        self._state = state
        sent = state["frames_sent"]
        eventually(
            lambda: self.broker.stream_status().frames >= sent,
            what=f"{sent} stream frames",
        )
        self.log.extend(self.broker.poll_events())

    def close(self) -> None:
        self.broker.close()
        self.server.stop()
