"""The deterministic demo data set behind ``tradecore-replay run --demo``."""

from __future__ import annotations

from datetime import UTC, datetime

from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import Shape, generate_bars

DEMO_SYMBOLS = ("AAPL", "AMZN", "GOOG", "META", "MSFT")
DEMO_BARS = 20_000
DEMO_SEED = 20260105


def demo_frames() -> list[BarFrame]:
    """Return five symbols of one-minute bars driven by one market factor."""
    return generate_bars(
        DEMO_SYMBOLS,
        DEMO_BARS,
        start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC),
        seed=DEMO_SEED,
        shape=Shape.ONE_FACTOR,
    )
