"""A replay's simulated venue: fill and fee models, the calendar, the bar interval.

Why a module: the replay and the live path's simulated broker build the same venue
from the same inputs (``tradecore-live run --data`` with a simulated broker, and the
parity check), so both must share one definition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal

import numpy as np

from tradecore.apps.wiring.calendars import calendars_for_span, frames_span
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel


def venue_config(
    fill_model: str,
    cash: Decimal,
    seed: int,
    frames: Sequence[BarFrame],
    calendar: MarketCalendar,
    release: Callable[[BarFrame], None] | None = None,
) -> VenueConfig:
    """The simulated venue of a replay: its fill and fee models, on ``calendar``.

    Orders decided outside a session (the last bar of a day, any daily bar) are
    queued for the next open as Alpaca queues them; day orders expire at a close.
    """
    models = {
        "ideal": (FillModel.ideal, FeeModel),
        "realistic": (FillModel.realistic, _fees),
    }
    if fill_model not in models:
        raise ConfigurationError(
            f"unknown fill model {fill_model!r}; known: ideal, realistic"
        )
    make_fill, make_fees = models[fill_model]
    return VenueConfig(
        seed=seed,
        fill_model=make_fill(),
        fee_model=make_fees(),
        calendar=calendar,
        outside_hours=OutsideHours.QUEUE,
        starting_cash=cash,
        bar_interval=bar_interval(frames, release),
    )


def replay_calendar(name: str, frames: Sequence[BarFrame]) -> MarketCalendar:
    """The regular sessions of ``name`` around the bars of ``frames``."""
    span = frames_span(frames)
    if span is None:
        raise ConfigurationError("no bars to replay")
    return calendars_for_span(name, *span).regular


def _fees() -> FeeModel:
    return FeeModel.us_regulatory(per_share=Decimal("0.0035"))


def bar_interval(
    frames: Sequence[BarFrame], release: Callable[[BarFrame], None] | None = None
) -> timedelta:
    """The bars' interval: the median step between timestamps (1 minute if none).

    Counted per distinct step, a frame at a time: bars have a handful of distinct
    steps (the interval, the overnight and weekend gaps), so this holds a few
    counts instead of every step of every frame at once. ``release`` hears each
    frame once read.
    """
    counts: dict[int, int] = {}
    for frame in frames:
        if len(frame) > 1:
            values, seen = np.unique(np.diff(frame.timestamps), return_counts=True)
            for value, n in zip(values.tolist(), seen.tolist(), strict=True):
                counts[value] = counts.get(value, 0) + n
            if release is not None:
                release(frame)  # bars on memory-mapped files let the pages go
    if not counts:
        return timedelta(minutes=1)
    median_ns = int(_median_of_counts(counts))
    return timedelta(microseconds=median_ns // 1000)


def _median_of_counts(counts: dict[int, int]) -> float:
    """``np.median`` of the multiset ``value -> count`` (mean of the middle two)."""
    values = sorted(counts)
    total = sum(counts.values())
    low, high = (total - 1) // 2, total // 2
    cumulative = 0
    found: list[int] = []
    for value in values:
        cumulative += counts[value]
        while len(found) < 2 and (low, high)[len(found)] < cumulative:
            found.append(value)
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2
