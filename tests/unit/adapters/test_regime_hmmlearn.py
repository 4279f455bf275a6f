"""The hmmlearn regime fitter on planted regimes: the filtered (past-only) regime
finds the planted one above FILTERED_ACCURACY after the warm-up; the in-sample,
full-series smoothed fit's accuracy is printed beside it (the gap look-ahead buys);
fits are identical across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tradecore.adapters.regimes.hmmlearn_fitter import HmmlearnFitter
from tradecore.adapters.regimes.in_sample import in_sample_states
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.planted_regimes import planted_regime_bars
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.observations import observation_series
from tradecore.domain.regimes.scoring import accuracy, fits_hash, most_probable
from tradecore.domain.regimes.tracker import RegimeTracker, track_series

#: The stated bar: share of bars after WARMUP whose filtered state is the planted one.
FILTERED_ACCURACY = 0.93
WARMUP = 1000
BARS = 6000
CONFIG = RegimeModelConfig(refit="390", min_history=300)
START = datetime(2026, 1, 5, tzinfo=UTC)


def _filtered(seed: int) -> tuple[RegimeTracker, float, float]:
    planted = planted_regime_bars(BARS, seed=seed, start=START)
    frame = planted.frame
    tracker = RegimeTracker(CONFIG, HmmlearnFitter())
    sessions = (np.arange(BARS) // 390).tolist()
    probs = track_series(
        tracker, frame.timestamps.tolist(), sessions, frame.close.tolist()
    )
    after = np.arange(BARS) >= WARMUP
    filtered = accuracy(most_probable(probs), planted.states, after)
    index, observations = observation_series(frame.close, CONFIG.vol_window)
    smoothed = in_sample_states(observations, CONFIG)
    in_sample = accuracy(smoothed, planted.states[index], after[index])
    return tracker, filtered, in_sample


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_filtered_regimes_find_the_planted_ones(seed: int) -> None:
    tracker, filtered, in_sample = _filtered(seed)
    print(
        f"seed {seed}: filtered {filtered:.4f} (past only), in-sample smoothed "
        f"{in_sample:.4f} (look-ahead), gap {in_sample - filtered:+.4f}"
    )
    assert filtered >= FILTERED_ACCURACY
    assert in_sample >= filtered - 0.02  # the look-ahead fit is no worse
    assert len(tracker.fits) == (BARS - CONFIG.min_history) // 390 + 1
    for fit in tracker.fits:
        means = fit.params.means
        assert means[0][1] < means[1][1]  # calm first on every refit
        assert fit.fitter.startswith("hmmlearn ")


_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from tests.unit.adapters.test_regime_hmmlearn import _filtered
from tradecore.domain.regimes.scoring import fits_hash
tracker, filtered, _ = _filtered(4)
print(json.dumps([fits_hash(tracker.fits), filtered]))
"""


def test_fits_are_identical_across_processes() -> None:
    tracker, filtered, _ = _filtered(4)
    root = str(Path(__file__).resolve().parents[3])
    for hash_seed in ("1",):  # the parent runs under another (random) seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _CHILD.format(root=root)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        assert json.loads(out.stdout.strip().splitlines()[-1]) == [
            fits_hash(tracker.fits),
            filtered,
        ]


def test_too_few_observations_are_refused() -> None:
    with pytest.raises(InvalidInput, match="too few"):
        HmmlearnFitter().fit(np.zeros((3, 2)), 2, seed=1, n_iter=5, tol=1e-3)
