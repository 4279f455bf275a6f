"""AlpacaBarFeed: the BarFeed port by polling Alpaca's data API (REST, not streaming).

Each poll asks for the bars that closed since the last poll: a bar stamped ``t``
covers ``[t, t + interval)`` and is served once ``t + interval <= now``. Each symbol
remembers its last bar served, so a bar is returned once, and a bar that arrives
late (the data API publishes it after our poll) is still returned by a later poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tradecore.adapters.alpaca.market_data import AlpacaMarketData
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar
from tradecore.ports.bar_feed import BarFeed

_TICK = timedelta(microseconds=1)


class AlpacaBarFeed(BarFeed):
    """Closed bars of ``symbols`` from ``start`` on, in time order."""

    def __init__(
        self, data: AlpacaMarketData, symbols: Sequence[str], *, start: datetime
    ) -> None:
        """Serve bars starting at or after ``start`` (the strategy's warm-up window).

        Raises:
            InvalidInput: no symbols, or a naive ``start``.
        """
        if not symbols:
            raise InvalidInput("symbols", symbols, "name at least one symbol")
        if start.tzinfo is None:
            raise InvalidInput("start", start, "must be timezone-aware (UTC)")
        self._data = data
        self._symbols = list(dict.fromkeys(symbols))
        self._next = dict.fromkeys(self._symbols, start)

    def poll(self, now: datetime) -> list[Bar]:
        """Return the bars closed by ``now`` that were not returned yet."""
        end = now - self._data.interval + _TICK
        start = min(self._next.values())
        if end <= start:
            return []
        found = self._data.bars_of(self._symbols, start, end)
        fresh = [
            bar
            for symbol in self._symbols
            for bar in found.get(symbol, [])
            if bar.timestamp >= self._next[symbol]
        ]
        for bar in fresh:
            self._next[bar.symbol] = max(self._next[bar.symbol], bar.timestamp + _TICK)
        order = {s: i for i, s in enumerate(self._symbols)}
        return sorted(fresh, key=lambda b: (b.timestamp, order[b.symbol]))

    @property
    def exhausted(self) -> bool:
        """Never: a live feed always has a next bar."""
        return False

    def next_close(self) -> datetime | None:
        """Unknown: the loop polls once per bar interval."""
        return None
