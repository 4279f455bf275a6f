"""Stopping an alpaca-py stream that runs its own event loop on a thread of ours."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed

log = logging.getLogger(__name__)

#: Longest wait for the stream to close and its thread to end.
STOP_TIMEOUT_S = 10.0


def stop_stream_thread(stream: Any, thread: threading.Thread) -> None:
    """Close ``stream``'s websocket from outside its loop, then join ``thread``.

    Idempotent. The SDK creates its loop only once the thread runs, so a stop that
    races the start waits (briefly) for the loop before asking it to close. Closing a
    socket whose peer is already gone (the server died, the network dropped) raises
    from the close handshake; the stream is closed either way, so that is logged, not
    raised: a broker closing after its server died must not crash the caller.
    """
    if not thread.is_alive():
        return
    for _ in range(100):
        if stream._loop is not None:
            break
        thread.join(0.01)
    if stream._loop is not None and stream._loop.is_running():
        future = asyncio.run_coroutine_threadsafe(stream.stop_ws(), stream._loop)
        try:
            future.result(STOP_TIMEOUT_S)
        except (ConnectionClosed, OSError) as e:
            log.info("stream closed without a close handshake: %s", e)
    thread.join(STOP_TIMEOUT_S)
