"""The replay's bar interval: np.median of every step, counted without holding them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.calendars import xnys
from tradecore.apps.replay.venue import _median_of_counts, bar_interval
from tradecore.domain.market.datagen import generate_bars


@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=40))
def test_the_median_of_counts_is_numpys_median(steps: list[int]) -> None:
    values, counts = np.unique(np.array(steps), return_counts=True)
    counted = dict(zip(values.tolist(), counts.tolist(), strict=True))
    assert _median_of_counts(counted) == np.median(steps)


def test_minute_bars_across_nights_and_a_weekend_are_one_minute() -> None:
    frames = generate_bars(
        ["AAA", "BBB"],
        2_000,
        start=datetime(2026, 1, 8, 14, 30, tzinfo=UTC),
        seed=1,
        calendar=xnys(),
    )
    assert bar_interval(frames) == timedelta(minutes=1)
