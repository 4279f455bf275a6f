"""An in-process token bucket: the RateLimiter for one process per account.

``rate`` tokens per second refill a bucket of ``capacity``; each request takes one,
waiting for it if the bucket is empty. A 429 from the server empties the bucket and
pauses it, so every thread of the process slows down, not only the one refused.
Thread-safe. Time and sleep are injected so tests run on a fake clock.

Several processes sharing one account need the bucket in the store instead (see
``RateLimiter``): this one only knows its own process's requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tradecore.domain import token_bucket
from tradecore.domain.errors import InvalidInput
from tradecore.domain.token_bucket import BucketState
from tradecore.ports.rate_limit import RateLimiter


class TokenBucket(RateLimiter):
    """``capacity`` requests at once, then ``rate`` per second."""

    def __init__(
        self,
        *,
        rate: float,
        capacity: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Start full.

        Raises:
            InvalidInput: ``rate`` or ``capacity`` is not positive.
        """
        if rate <= 0:
            raise InvalidInput("rate", rate, "must be > 0")
        if capacity < 1:
            raise InvalidInput("capacity", capacity, "must be >= 1")
        self.rate, self.capacity = rate, capacity
        self._monotonic, self._sleep = monotonic, sleep
        now = monotonic()
        self._state = BucketState(tokens=capacity, refilled_at=now, paused_until=now)
        self._lock = threading.Lock()

    @classmethod
    def per_minute(cls, requests: float, *, burst: float = 10) -> TokenBucket:
        """Return a bucket allowing ``requests`` per minute after a ``burst``."""
        return cls(rate=requests / 60.0, capacity=burst)

    def acquire(self) -> None:
        """Block until a token is free, then take it."""
        while True:
            with self._lock:
                wait = self._take_or_wait()
            if wait <= 0:
                return
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Empty the bucket and hand out nothing for ``seconds``."""
        if seconds < 0:
            raise InvalidInput("seconds", seconds, "must be >= 0")
        with self._lock:
            self._state = token_bucket.pause(self._state, self._monotonic(), seconds)

    def remaining(self) -> float:
        """Tokens in the bucket now (refilled to this instant), none taken."""
        with self._lock:
            return token_bucket.available(
                self._state, self._monotonic(), rate=self.rate, capacity=self.capacity
            )

    def _take_or_wait(self) -> float:
        taken = token_bucket.take(
            self._state, self._monotonic(), rate=self.rate, capacity=self.capacity
        )
        self._state = taken.state
        return taken.wait
