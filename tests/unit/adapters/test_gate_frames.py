"""Bars read from the lake pass the same quality gate as files (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest

from tradecore.adapters.data.bar_files import gate_frames
from tradecore.domain.errors import BarQualityError
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.bar_quality import QualityRules

MINUTE = 60_000_000_000


def _frame(spike_at: int | None) -> BarFrame:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, 200)))
    if spike_at is not None:
        close[spike_at] *= 1.5  # one bar 50% away, then back: a bad print
    return BarFrame(
        symbol="AAA",
        timestamps=np.arange(200, dtype=np.int64) * MINUTE + 1_767_623_400 * 10**9,
        open=close,
        high=close * 1.0005,
        low=close * 0.9995,
        close=close,
        volume=np.full(200, 1e5),
    )


def test_a_bad_print_in_a_lake_series_is_quarantined_not_replayed():
    loaded = gate_frames([_frame(120)], QualityRules(), source="lake")
    [frame] = loaded.frames
    assert len(frame) == 199
    assert loaded.quarantine.counts()["quarantined_by_rule"] == {"jump": 1}
    assert (
        gate_frames(
            [_frame(None)], QualityRules(), source="lake"
        ).quarantine.quarantined
        == 0
    )


def test_strict_refuses_the_series_naming_the_row():
    with pytest.raises(BarQualityError, match="lake record 121"):
        gate_frames([_frame(120)], QualityRules(), source="lake", strict=True)
