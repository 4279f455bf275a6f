"""Strategies for the leakage check and the promotion gate's tests.

``Peeker`` reads the next bar from the bars it was built with (the classic
look-ahead); ``FullSampleMean`` normalises by a mean over all the bars it was built
with (a fit on the whole sample); ``PlantedEdge`` knows, point in time, the pattern
:func:`planted_frames` plants.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import bar_timestamps
from tradecore.domain.strategies.protocol import NO_TARGETS, PortfolioView, Target


class Peeker:
    """Targets a size derived from the *next* bar's close, when it can see it."""

    strategy_id = "peeker"

    def __init__(self, frames: Sequence[BarFrame]) -> None:
        self._next = {
            f.symbol: dict(
                zip(f.timestamps[:-1].tolist(), f.close[1:].tolist(), strict=True)
            )
            for f in frames
        }

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        ahead = self._next[symbol].get(timestamp_ns)
        if ahead is None:
            return NO_TARGETS
        return (Target(symbol, Decimal(int(ahead * 100) % 997 + 1), "peek"),)


class FullSampleMean:
    """Long 100 below the symbol's mean close over *all* its bars, else flat."""

    strategy_id = "full_sample_mean"

    def __init__(self, frames: Sequence[BarFrame]) -> None:
        self._mean = {f.symbol: float(np.mean(f.close)) for f in frames}
        self._long: dict[str, bool] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        want = close < self._mean[symbol]
        if self._long.get(symbol, False) == want:
            return NO_TARGETS
        self._long[symbol] = want
        return (Target(symbol, Decimal(100 if want else 0), f"mean@{timestamp_ns}"),)


#: The planted pattern: bar ``i`` of a planted series rises when ``i % 4 < 2``.
PLANTED_PERIOD = 4


class PlantedEdge:
    """Holds the stock through the bars the planted pattern says will rise.

    Point in time: it counts the bars it has seen, and knows only the rule (not the
    prices). An order decided at bar ``i`` fills at bar ``i + 1``'s open, so it goes
    long at the close of the bar before the rising pair and flat before the fall.
    """

    strategy_id = "planted_edge"

    def __init__(self, qty: int = 2000) -> None:
        self._qty = Decimal(qty)
        self._seen: dict[str, int] = {}

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        i = self._seen.get(symbol, 0)
        self._seen[symbol] = i + 1
        upcoming = (i + 1) % PLANTED_PERIOD
        return (
            Target(
                symbol,
                self._qty if upcoming < 2 else Decimal(0),
                f"planted@{timestamp_ns}",
            ),
        )


def planted_frames(
    symbols: Sequence[str],
    n_bars: int,
    calendar: MarketCalendar,
    *,
    seed: int,
    edge: float,
    noise: float = 0.0005,
) -> list[BarFrame]:
    """Bars whose close-to-close return is ``+edge`` twice then ``-edge`` twice, plus
    noise; each bar opens at the previous close.

    ``edge = 0`` gives a plain random walk (no pattern to find).
    """
    rng = np.random.default_rng(seed)
    stamps = bar_timestamps(
        n_bars,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        interval=timedelta(minutes=1),
        calendar=calendar,
    )
    pattern = np.where(np.arange(n_bars) % PLANTED_PERIOD < 2, edge, -edge)
    frames = []
    for symbol in symbols:
        steps = pattern + rng.normal(0.0, noise, n_bars)
        closes = np.round(100.0 * np.exp(np.cumsum(steps)), 2)
        opens = np.concatenate(
            [[100.0], closes[:-1]]
        )  # each bar opens at the last close
        spread = np.round(opens * 0.0002, 2) + 0.01
        frames.append(
            BarFrame(
                symbol=symbol,
                timestamps=stamps,
                open=opens,
                high=np.maximum(opens, closes) + spread,
                low=np.minimum(opens, closes) - spread,
                close=closes,
                volume=np.full(n_bars, 1_000_000.0),
                provenance=Provenance.SIMULATED,
            )
        )
    return frames
