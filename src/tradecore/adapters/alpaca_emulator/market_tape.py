"""The emulator's market-data history: every bar and the latest quote fed to it.

The data endpoints (:mod:`.data_routes`) answer from here in Alpaca's wire format
(docs/alpaca.md §8): bars sorted by symbol then time, ``limit`` counting points across all
symbols, an opaque ``next_page_token`` naming where the next page starts. A bar is
served only once it has closed (``t + interval <= now``), as a real feed would.
Other timeframes and adjustments are built from those bars (:mod:`.bar_history`);
an aggregate is served once one of its bars has closed, so today's daily bar is
partial until the day ends (as the stream's ``d`` bar: "a daily bar is returned as
partial bar up to the current time", alpaca-docs ``stock-pricing-data/realtime.md``).
A corrected bar (control API, the stream's ``u``) replaces the bar it corrects.
"""

from __future__ import annotations

import base64
import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.bar_history import (
    Timeframe,
    adjust,
    aggregate,
)
from tradecore.adapters.alpaca_emulator.wire import iso
from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.market.corporate_actions import CorporateAction

Json = dict[str, Any]


def page_token(symbol: str, at: datetime) -> str:
    """An opaque token for "after this symbol's bar at ``at``" (Alpaca's shape)."""
    return base64.b64encode(f"{symbol}|{iso(at)}".encode()).decode()


def _after(token: str) -> tuple[str, datetime]:
    try:
        symbol, at = base64.b64decode(token, validate=True).decode().split("|")
        return symbol, datetime.fromisoformat(at)
    except ValueError:
        raise err.ApiError(
            400, {"code": 40010001, "message": "invalid page_token"}
        ) from None


def bar_json(bar: Bar) -> Json:
    """One bar as the data API sends it: numbers as numbers; ``n``/``vw`` present."""
    return {
        "t": iso(bar.timestamp),
        "o": bar.open,
        "h": bar.high,
        "l": bar.low,
        "c": bar.close,
        "v": int(bar.volume),
        "n": None,
        "vw": None,
    }


def quote_json(quote: Quote) -> Json:
    """The latest quote as the data API sends it (exchanges are the emulator's ``V``)."""
    return {
        "t": iso(quote.timestamp),
        "ax": "V",
        "ap": quote.ask,
        "as": int(quote.ask_size),
        "bx": "V",
        "bp": quote.bid,
        "bs": int(quote.bid_size),
        "c": ["R"],
        "z": "C",
    }


class MarketTape:
    """Bars per symbol in time order, and each symbol's latest quote."""

    def __init__(self, interval: timedelta) -> None:
        """``interval`` is the length of every bar (the emulator's bar interval)."""
        self.interval = interval
        self._bars: dict[str, list[Bar]] = {}
        self._quotes: dict[str, Quote] = {}
        # Not yet pushed to the market-data stream (bars wait until they close).
        self._unstreamed: dict[tuple[str, datetime], Bar] = {}
        self._new_quotes: list[Quote] = []
        self.actions: list[CorporateAction] = []

    def correct_bar(self, bar: Bar, now: datetime) -> Bar:
        """Replace the recorded bar with ``bar``'s symbol and start (Alpaca's ``u``).

        Only a closed bar is corrected: Alpaca recalculates a minute bar after it
        was published.

        Raises:
            ApiError: 422 when there is no such closed bar to correct.
        """
        if bar.timestamp + self.interval > now:
            raise err.validation(
                f"the {bar.symbol} bar at {iso(bar.timestamp)} is open"
            )
        bars = self._bars.get(bar.symbol, [])
        for i, old in enumerate(bars):
            if old.timestamp == bar.timestamp:
                bars[i] = bar
                return bar
        raise err.validation(f"no {bar.symbol} bar at {iso(bar.timestamp)} to correct")

    def bars_of(self, symbol: str, now: datetime) -> list[Bar]:
        """Return ``symbol``'s closed bars, oldest first."""
        return list(self._closed([symbol], None, None, now))

    def add_bar(self, bar: Bar) -> None:
        """Record a bar; a later bar for the same start replaces the earlier."""
        bars = self._bars.setdefault(bar.symbol, [])
        stamps = [b.timestamp for b in bars]
        i = bisect.bisect_left(stamps, bar.timestamp)
        if i < len(bars) and bars[i].timestamp == bar.timestamp:
            bars[i] = bar
        else:
            bars.insert(i, bar)
        self._unstreamed[(bar.symbol, bar.timestamp)] = bar

    def set_quote(self, quote: Quote) -> None:
        """Record the latest quote of its symbol."""
        self._quotes[quote.symbol] = quote
        self._new_quotes.append(quote)

    def take_stream(self, now: datetime) -> tuple[list[Bar], list[Quote]]:
        """Hand the stream, once each, the bars closed by ``now`` and the new quotes.

        A bar goes out when it closes, as Alpaca's minute bars do, so the stream
        and ``GET /v2/stocks/bars`` agree on which bars exist.
        """
        closed = [
            b for b in self._unstreamed.values() if b.timestamp + self.interval <= now
        ]
        for bar in closed:
            del self._unstreamed[(bar.symbol, bar.timestamp)]
        quotes, self._new_quotes = self._new_quotes, []
        return sorted(closed, key=lambda b: (b.timestamp, b.symbol)), quotes

    def bars_page(
        self,
        symbols: Iterable[str],
        *,
        start: datetime | None,
        end: datetime | None,
        now: datetime,
        limit: int,
        token: str | None,
        timeframe: Timeframe | None = None,
        adjustments: frozenset[str] = frozenset(),
    ) -> Json:
        """One page of ``GET /v2/stocks/bars``: ``{"bars": {...}, "next_page_token"}``.

        ``timeframe`` ``None`` is the tape's own interval; ``adjustments`` are the
        corporate actions to back-adjust for (``split``, ``dividend``).
        """
        if timeframe is None and not adjustments:
            points = list(self._closed(sorted(set(symbols)), start, end, now))
        else:
            points = [
                bar
                for symbol in sorted(set(symbols))
                for bar in self.built(symbol, now, timeframe, adjustments)
                if (start is None or bar.timestamp >= start)
                and (end is None or bar.timestamp <= end)
            ]
        if token is not None:
            after = _after(token)
            points = [p for p in points if (p.symbol, p.timestamp) > after]
        page, rest = points[:limit], points[limit:]
        bars: dict[str, list[Json]] = {}
        for bar in page:
            bars.setdefault(bar.symbol, []).append(bar_json(bar))
        last = page[-1] if page and rest else None
        return {
            "bars": bars,
            "next_page_token": None
            if last is None
            else page_token(last.symbol, last.timestamp),
        }

    def built(
        self,
        symbol: str,
        now: datetime,
        timeframe: Timeframe | None,
        adjustments: frozenset[str] = frozenset(),
    ) -> list[Bar]:
        """``symbol``'s closed bars, adjusted, in ``timeframe`` (``None``: the tape's)."""
        # Adjust the whole history (a dividend's factor needs the close before its
        # ex-date, maybe outside the window), then aggregate, then filter.
        actions = [a for a in self.actions if a.symbol == symbol]
        bars = adjust(self.bars_of(symbol, now), actions, adjustments)
        if timeframe is None or (
            timeframe.intraday and timeframe.length == self.interval
        ):
            return bars
        return aggregate(bars, timeframe)

    def latest_quotes(self, symbols: Iterable[str]) -> Json:
        """``GET /v2/stocks/quotes/latest``: the symbols that have a quote."""
        found = {s: self._quotes[s] for s in sorted(set(symbols)) if s in self._quotes}
        return {"quotes": {s: quote_json(q) for s, q in found.items()}}

    def _closed(
        self,
        symbols: list[str],
        start: datetime | None,
        end: datetime | None,
        now: datetime,
    ) -> Iterable[Bar]:
        for symbol in symbols:
            for bar in self._bars.get(symbol, []):
                if bar.timestamp + self.interval > now:
                    break
                if start is not None and bar.timestamp < start:
                    continue
                if end is not None and bar.timestamp > end:
                    break
                yield bar
