"""The MarketData port: bars and quotes with their provenance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tradecore.domain.market.bars import Bar, Provenance, Quote


class MarketData(Protocol):
    """Historical and latest market data for a set of symbols."""

    provenance: Provenance

    def bars(self, symbol: str, start: datetime, end: datetime) -> Sequence[Bar]:
        """Return bars with ``start <= timestamp < end``, in time order.

        Raises:
            InvalidInput: a naive bound, or ``start > end``.
            StaleData: the source cannot serve data that recent.
        """
        ...

    def latest_quote(self, symbol: str) -> Quote | None:
        """Return the most recent quote, or ``None`` when there is none."""
        ...
