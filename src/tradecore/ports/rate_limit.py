"""The RateLimiter port: a request budget shared by everything using one account."""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    """Paces requests to a broker API so the account budget is never exceeded.

    Implementations: an in-process token bucket (one process per account), or one
    kept in the store (several processes sharing an account).
    """

    def acquire(self) -> None:
        """Block until one request may be sent, then count it."""
        ...

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (the broker said to slow down).

        Raises:
            InvalidInput: ``seconds`` is negative.
        """
        ...

    def remaining(self) -> float:
        """Requests that could be sent now without waiting (reads, takes nothing).

        The budget left the cycle summary and the metrics report; 0 while paused.
        """
        ...
