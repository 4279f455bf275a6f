"""Property: every feature kind's online form equals its vectorised form (to 1e-9),
across sessions, weekends, bars outside sessions, gaps and cross-sectional ranks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.domain.features.support import CALENDAR, bars, every_kind, online_rows
from tradecore.domain.market.bar_frame import BarFrame


def _with_gaps(frames: list[BarFrame], keep: list[float], seed: int) -> list[BarFrame]:
    """Each symbol keeps a random share of its bars (gaps of any length)."""
    rng = np.random.default_rng(seed)
    out = []
    for frame, share in zip(frames, keep, strict=False):
        mask = rng.random(len(frame)) < share
        mask[0] = True
        idx = np.flatnonzero(mask)
        out.append(
            BarFrame(
                symbol=frame.symbol,
                timestamps=frame.timestamps[idx],
                open=frame.open[idx],
                high=frame.high[idx],
                low=frame.low[idx],
                close=frame.close[idx],
                volume=frame.volume[idx],
            )
        )
    return out


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 250),
    period=st.integers(2, 12),
    horizon=st.integers(1, 6),
    symbols=st.integers(1, 4),
    on_sessions=st.booleans(),
    keep=st.lists(st.floats(0.3, 1.0), min_size=4, max_size=4),
)
def test_online_equals_vectorised(
    seed: int,
    n: int,
    period: int,
    horizon: int,
    symbols: int,
    on_sessions: bool,
    keep: list[float],
) -> None:
    names = ("AAA", "BBB", "CCC", "DDD")[:symbols]
    frames = _with_gaps(bars(names, n, seed, on_sessions=on_sessions), keep, seed)
    feature_set = every_kind(period, horizon)
    matrix = feature_set.matrix(frames, CALENDAR)
    online = online_rows(feature_set, frames)
    assert online.shape == matrix.values.shape
    np.testing.assert_array_equal(np.isnan(online), np.isnan(matrix.values))
    np.testing.assert_allclose(online, matrix.values, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 120),
    keep=st.lists(st.floats(0.2, 1.0), min_size=4, max_size=4),
)
def test_ranks_are_exact_and_in_unit_interval(
    seed: int, n: int, keep: list[float]
) -> None:
    frames = _with_gaps(bars(("AAA", "BBB", "CCC", "DDD"), n, seed), keep, seed)
    feature_set = every_kind(3, 2)
    matrix = feature_set.matrix(frames, CALENDAR)
    ranks = matrix.column("ret_rank")
    # Ranks are computed from bit-identical returns in both forms: exactly equal.
    np.testing.assert_array_equal(
        online_rows(feature_set, frames)[:, feature_set.names.index("ret_rank")], ranks
    )
    valid = ~np.isnan(ranks)
    assert ((ranks[valid] >= 0) & (ranks[valid] <= 1)).all()
    # NaN rank exactly where the ranked feature is NaN.
    np.testing.assert_array_equal(np.isnan(matrix.column("ret")), ~valid)
