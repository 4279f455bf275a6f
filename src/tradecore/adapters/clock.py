"""The wall clock: the live implementation of the Clock port."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tradecore.domain.errors import InvalidInput
from tradecore.ports.clock import Clock


class SystemClock(Clock):
    """Real time in UTC; ``sleep`` really waits."""

    def now(self) -> datetime:
        """Return the current wall-clock time, timezone-aware UTC."""
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``.

        Raises:
            InvalidInput: ``seconds`` is negative.
        """
        if seconds < 0:
            raise InvalidInput("seconds", seconds, "must be >= 0")
        time.sleep(seconds)
