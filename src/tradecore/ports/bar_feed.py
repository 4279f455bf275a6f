"""The BarFeed port: closed bars as they become available, for the live loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tradecore.domain.market.bars import Bar


class BarFeed(Protocol):
    """A source of closed bars, polled once per cycle."""

    def poll(self, now: datetime) -> Sequence[Bar]:
        """Return bars closed by ``now`` and not returned before, in time order."""
        ...

    @property
    def exhausted(self) -> bool:
        """True when no bar will ever come again (a recording that ended)."""
        ...

    def next_close(self) -> datetime | None:
        """When the next bar closes, if the feed knows (``None``: it does not).

        A recording knows (a daily bar closes at its session's close); the loop wakes
        then, so it decides when a replay of the same bars would.
        """
        ...
