"""The deterministic demo data set behind ``tradecore-replay run --demo``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import Shape, generate_bars

DEMO_SYMBOLS = ("AAPL", "AMZN", "GOOG", "META", "MSFT")
DEMO_BARS = 20_000
DEMO_SEED = 20260105
#: The demo's market: NYSE regular sessions of 2026 (the bars need ~52 of them).
DEMO_YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def demo_calendar() -> MarketCalendar:
    """Return the demo's calendar: XNYS, 2026 (fixed bounds, so always the same)."""
    return ExchangeCalendar("XNYS").schedule(*DEMO_YEAR)


def demo_frames() -> list[BarFrame]:
    """Return five symbols of one-minute bars driven by one market factor.

    The bars fall on XNYS regular sessions only, from Monday 5 January 2026: no
    weekends, no holidays (19 January, 16 February), 09:30-16:00 New York.
    """
    return generate_bars(
        DEMO_SYMBOLS,
        DEMO_BARS,
        start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC),
        seed=DEMO_SEED,
        shape=Shape.ONE_FACTOR,
        calendar=demo_calendar(),
    )
