"""Stopping a stream whose server is gone closes it without raising.

Regression: ``tradecore-live`` exited with a traceback (not the one-line "broker
unavailable") when the emulator died mid-run, because closing the trade-updates
websocket raised ``ConnectionClosedError`` out of the close handshake.
"""

from __future__ import annotations

import asyncio
import threading

from websockets.exceptions import ConnectionClosedError
from websockets.frames import Close

from tradecore.adapters.alpaca.stream_thread import stop_stream_thread


class DeadPeerStream:
    """An SDK-like stream on its own loop whose close finds the peer gone."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stopped = threading.Event()
        self.close_attempts = 0

    def run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._until_stopped())
        self._loop.close()

    async def _until_stopped(self) -> None:
        while not self.stopped.is_set():
            await asyncio.sleep(0.005)

    async def stop_ws(self) -> None:
        self.close_attempts += 1
        self.stopped.set()
        raise ConnectionClosedError(Close(1000, "OK"), None, None)


def test_a_close_that_finds_the_peer_gone_is_not_an_error():
    stream = DeadPeerStream()
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    stop_stream_thread(stream, thread)  # raised ConnectionClosedError before the fix
    assert stream.close_attempts == 1
    assert not thread.is_alive()
    stop_stream_thread(stream, thread)  # idempotent
    assert stream.close_attempts == 1
