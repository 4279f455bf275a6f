"""Serving the emulator: in a background thread (tests, notebooks) or in the foreground.

:class:`EmulatorServer` runs the app on its own event loop in a daemon thread, bound
to a loopback port (0 picks a free one), so synchronous code — alpaca-py, the
contract suite — can talk to it in the same process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from types import TracebackType

from aiohttp import web

from tradecore.adapters.alpaca_emulator.app import build_app
from tradecore.adapters.alpaca_emulator.config import EmulatorConfig
from tradecore.domain.errors import ConfigurationError

START_TIMEOUT_S = 10.0
#: How long stopping waits for requests still being handled (e.g. held by a fault).
SHUTDOWN_TIMEOUT_S = 1.0


def check_loopback(host: str) -> None:
    """Refuse to serve anywhere but loopback: the control API has no credentials.

    Raises:
        ConfigurationError: ``host`` is not a loopback address.
    """
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigurationError(
            f"the emulator serves loopback only (127.0.0.1, ::1, localhost), not {host!r}"
        )


class EmulatorServer:
    """One emulator on a loopback port, served from a background thread."""

    def __init__(
        self, config: EmulatorConfig, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        """Prepare the server; :meth:`start` binds and serves."""
        check_loopback(host)
        self.config = config
        self.app = build_app(config)
        self._host, self._port = host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, name="alpaca-emulator", daemon=True
        )
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        return self._port

    @property
    def base_url(self) -> str:
        """The REST origin to give alpaca-py as ``url_override`` (no ``/v2``)."""
        return f"http://{self._host}:{self._port}"

    @property
    def stream_url(self) -> str:
        """The trade-updates WebSocket URL for ``TradingStream(url_override=...)``."""
        return f"ws://{self._host}:{self._port}/stream"

    def data_stream_url(self, feed: str = "iex") -> str:
        """The market-data WebSocket URL for ``StockDataStream(url_override=...)``."""
        return f"ws://{self._host}:{self._port}/v2/{feed}"

    def start(self) -> EmulatorServer:
        """Bind and serve; return self once requests are accepted.

        Raises:
            ConfigurationError: the port could not be bound.
        """
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            raise ConfigurationError(
                f"emulator could not serve on {self._host}:{self._port}: {self._error}"
            )
        return self

    def stop(self) -> None:
        """Close connections and stop serving (idempotent)."""
        if not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        future.result(START_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT_S)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._bind())
        except OSError as e:
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _bind(self) -> None:
        self._runner = web.AppRunner(
            self.app, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await self._runner.setup()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def serve_forever(config: EmulatorConfig, *, host: str, port: int) -> None:
    """Serve in the foreground until interrupted (the CLI)."""
    check_loopback(host)
    web.run_app(build_app(config), host=host, port=port, print=None)
