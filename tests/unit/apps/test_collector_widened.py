"""A replay runs with the collector's young generation widened, then restores it.

``young_generation_widened`` raises the young threshold (a wider one is kept, the
older generations' are left alone) and restores what it found however the block
ends; ``replay`` runs inside it, so a notebook's interpreter gets its thresholds
back after a run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.calendars import xnys
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring.collector import YOUNG_THRESHOLD, young_generation_widened
from tradecore.domain.market.datagen import generate_bars


@pytest.fixture(autouse=True)
def _thresholds_kept() -> Iterator[None]:
    found = gc.get_threshold()
    yield
    gc.set_threshold(*found)


def test_the_block_runs_widened_and_the_thresholds_come_back() -> None:
    gc.set_threshold(700, 10, 10)
    with young_generation_widened():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_wider_threshold_is_kept() -> None:
    wider = YOUNG_THRESHOLD + 1
    gc.set_threshold(wider, 5, 7)
    with young_generation_widened():
        assert gc.get_threshold() == (wider, 5, 7)
    assert gc.get_threshold() == (wider, 5, 7)


def test_a_failing_block_restores_the_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError, match="disk gone"), young_generation_widened():
        raise RuntimeError("disk gone")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_replay_runs_widened_and_restores_the_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    frames = generate_bars(
        ["AAA"], 120, start=datetime(2025, 1, 6, 14, 30, tzinfo=UTC), seed=3,
        calendar=xnys(),
    )  # fmt: skip
    seen: list[int] = []
    with replay(
        frames, "sma_cross", {"fast": 3, "slow": 8, "qty": 1},
        on_progress=lambda _: seen.append(gc.get_threshold()[0]),
    ) as result:  # fmt: skip
        assert result.summary["bars"] == 120
    assert seen
    assert set(seen) == {YOUNG_THRESHOLD}
    assert gc.get_threshold() == (700, 10, 10)
