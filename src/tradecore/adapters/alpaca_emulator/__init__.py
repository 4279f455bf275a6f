"""An Alpaca-protocol emulator: Alpaca's v2 trading API and trade-updates stream.

Backed by the simulated venue, on a virtual clock, on loopback. Point alpaca-py (or
any Alpaca client) at it for offline development and for the Alpaca adapter's
contract tests::

    from tradecore.adapters.alpaca_emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(seed=7)) as server:
        client = TradingClient("EMULATORKEY", "emulator-secret",
                               url_override=server.base_url)
        control = EmulatorControl(server.base_url)
        control.bars([{"symbol": "AAPL", "o": 100, "h": 101, "l": 99, "c": 100.5}])

From a shell: ``tradecore-replay emulator --port 8080 --seed 7``.
"""

from tradecore.adapters.alpaca_emulator.app import build_app
from tradecore.adapters.alpaca_emulator.client import EmulatorControl
from tradecore.adapters.alpaca_emulator.config import (
    DEFAULT_KEY_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_START,
    EmulatorConfig,
)
from tradecore.adapters.alpaca_emulator.server import (
    EmulatorServer,
    check_loopback,
    serve_forever,
)

__all__ = [
    "DEFAULT_KEY_ID",
    "DEFAULT_SECRET_KEY",
    "DEFAULT_START",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorServer",
    "build_app",
    "check_loopback",
    "serve_forever",
]
