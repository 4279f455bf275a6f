"""In a real replay, ModelStrategy's online features equal the training matrix's rows.

The predictor records every row it is asked about; each must be the row the
vectorised matrix holds for that (timestamp, symbol): calendar features, session
VWAP and cross-sectional ranks included. This is what makes a model trained on
the matrix see the same inputs when it trades.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.runner import replay
from tradecore.domain.features import FeatureSet, FeatureSpec
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.strategies.model_strategy import ModelStrategy

FEATURES = FeatureSet(
    [
        FeatureSpec("r3", "return", {"n": 3}),
        FeatureSpec("atr", "atr", {"period": 5}),
        FeatureSpec("vwap", "dist_vwap"),
        FeatureSpec("to_close", "minutes_to_close"),
        FeatureSpec("dow", "day_of_week"),
        FeatureSpec("r3_rank", "xs_rank", {"of": "r3"}),
    ]
)


class Recorder:
    """Scores every row 0.5 (no trades) and keeps what it was shown."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        self.rows.extend(np.array(features))
        return np.full(len(features), 0.5)


def test_replay_rows_equal_the_matrix(tmp_path: Path) -> None:
    calendar = demo_calendar()
    # A Friday afternoon into Monday: sessions, a weekend and a VWAP restart.
    frames = generate_bars(
        ("AAA", "BBB", "CCC"),
        600,
        start=datetime(2026, 1, 9, 19, 0, tzinfo=UTC),
        seed=4,
        shape=Shape.ONE_FACTOR,
        calendar=calendar,
    )
    recorder = Recorder()
    strategy = ModelStrategy(recorder, FEATURES, model_hash="0" * 64)
    replay(frames, strategy, out=tmp_path / "out", calendar=calendar)

    matrix = FEATURES.matrix(frames, calendar)
    ready = matrix.values[~np.isnan(matrix.values).any(axis=1)]
    seen = np.array(recorder.rows)
    assert seen.shape == ready.shape
    np.testing.assert_allclose(seen, ready, rtol=1e-9, atol=1e-9)
    assert set(seen[:, FEATURES.names.index("dow")]) == {4.0, 0.0, 1.0}  # Fri..Tue
