"""The Alpaca adapter against the emulator: request round trips and event delivery.

Measures, on loopback, what the adapter costs on top of alpaca-py: submit round trips
(REST through the token bucket, translation, leg resolution), and how fast fills travel
emulator → WebSocket → stream thread → ``poll_events``. The floor it is compared with
is a bare alpaca-py ``get_clock`` round trip measured in the same run.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from tradecore.adapters.alpaca import AlpacaBroker, AlpacaConfig, AlpacaCredentials
from tradecore.adapters.alpaca._sdk import make_trading_client
from tradecore.adapters.alpaca_emulator import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    EmulatorConfig,
    EmulatorControl,
    EmulatorServer,
)
from tradecore.domain.orders.spec import OrderSpec, Side


def _wait_frames(broker: AlpacaBroker, sent: int) -> None:
    while broker.stream_status().frames < sent:
        time.sleep(0.0005)


def run(quick: bool) -> list[str]:
    """Return the figures: submit and clock round trips, fill events per second."""
    orders = 50 if quick else 400
    config = EmulatorConfig(fill_model="ideal", rate_limit=None)
    credentials = AlpacaCredentials(
        key_id=DEFAULT_KEY_ID, secret_key=DEFAULT_SECRET_KEY
    )
    with EmulatorServer(config) as server:
        control = EmulatorControl(server.base_url)
        adapter = AlpacaConfig(
            base_url=server.base_url,
            stream_url=server.stream_url,
            requests_per_minute=1e9,
            burst=1e6,
        )
        broker = AlpacaBroker(adapter, credentials)
        broker.connect()
        control.bars([{"symbol": "AAPL", "o": 100, "h": 100.5, "l": 99.5, "c": 100}])
        client = make_trading_client(adapter, credentials)
        clock = []
        for _ in range(orders):
            started = time.perf_counter()
            client.get_clock()
            clock.append(time.perf_counter() - started)
        submits = []
        for i in range(orders):
            spec = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))
            started = time.perf_counter()
            broker.submit(f"bench-{i}", spec)
            submits.append(time.perf_counter() - started)
        started = time.perf_counter()
        state = control.bars(
            [{"symbol": "AAPL", "o": 100, "h": 100.5, "l": 99.5, "c": 100}]
        )
        _wait_frames(broker, state["frames_sent"])
        events = broker.poll_events()
        delivery = time.perf_counter() - started
        broker.close()
    fills = sum(1 for e in events if e.fill is not None)
    clock_ms = statistics.median(clock) * 1e3
    submit_ms = statistics.median(submits) * 1e3
    return [
        f"bare alpaca-py get_clock round trip: median {clock_ms:.2f} ms",
        f"AlpacaBroker.submit round trip: median {submit_ms:.2f} ms "
        f"({submit_ms / clock_ms:.1f}x the bare round trip), {orders} orders",
        f"{len(events)} events ({fills} fills) emulator -> stream -> poll_events "
        f"in {delivery * 1e3:.0f} ms: {len(events) / delivery:,.0f} events/s",
    ]
