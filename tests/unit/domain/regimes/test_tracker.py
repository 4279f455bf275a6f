"""The regime tracker: every fit sees only bars before it, on schedule, on the
window asked for; a run cut at any bar is exactly the full run's prefix."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.domain.regimes.support import MedianSplitFitter
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.planted_regimes import planted_regime_bars
from tradecore.domain.regimes.config import RegimeModelConfig, parse_refit
from tradecore.domain.regimes.observations import observation_series
from tradecore.domain.regimes.tracker import (
    RegimeTracker,
    standardisation,
    track_series,
)

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def _standardised(window: np.ndarray) -> np.ndarray:
    """What the fitter is handed: the window in its own standard units."""
    center, scale = standardisation(window)
    return (window - center) / scale


def _series(n: int = 1500, seed: int = 2) -> tuple[list[int], list[int], list[float]]:
    frame = planted_regime_bars(n, seed=seed, start=START, mean_duration=150).frame
    sessions = (np.arange(n) // 100).tolist()  # a "session" every 100 bars
    return frame.timestamps.tolist(), sessions, frame.close.tolist()


def _run(
    config: RegimeModelConfig, n: int = 1500, fitter: MedianSplitFitter | None = None
):  # type: ignore[no-untyped-def]
    fitter = fitter or MedianSplitFitter()
    tracker = RegimeTracker(config, fitter)
    stamps, sessions, closes = _series(n)
    probs = track_series(tracker, stamps, sessions, closes)
    return tracker, fitter, probs, (stamps, sessions, closes)


def test_every_fit_sees_exactly_the_observations_before_its_bar() -> None:
    config = RegimeModelConfig(refit="137", min_history=150, vol_window=10)
    tracker, fitter, _, (stamps, _, closes) = _run(config)
    index, observations = observation_series(closes, 10)
    assert len(tracker.fits) >= 5
    for fit, window in zip(tracker.fits, fitter.windows, strict=True):
        bar = stamps.index(fit.at_ns)
        before = observations[index < bar]
        np.testing.assert_array_equal(window, _standardised(before))  # expanding
        assert fit.observations == len(before)


def test_a_rolling_window_fits_on_the_last_window_observations() -> None:
    config = RegimeModelConfig(refit="100", min_history=150, window=300)
    tracker, fitter, _, (stamps, _, closes) = _run(config)
    index, observations = observation_series(closes, config.vol_window)
    for fit, window in zip(tracker.fits, fitter.windows, strict=True):
        bar = stamps.index(fit.at_ns)
        np.testing.assert_array_equal(
            window, _standardised(observations[index < bar][-300:])
        )
    assert {len(w) for w in fitter.windows[2:]} == {300}


def test_session_refits_come_at_each_new_sessions_first_bar() -> None:
    config = RegimeModelConfig(refit="session", min_history=150)
    tracker, _, probs, (stamps, sessions, _) = _run(config)
    at = [stamps.index(f.at_ns) for f in tracker.fits]
    assert all(sessions[i] != sessions[i - 1] for i in at)
    assert at == [i for i in range(170, 1500) if i % 100 == 0][: len(at)]
    assert len(at) == 1500 // 100 - 2  # from the first session after 150 observations
    assert np.isnan(probs[: at[0]]).all()
    assert not np.isnan(probs[at[0] :]).any()


def test_states_are_ordered_calm_first_and_probabilities_sum_to_one() -> None:
    tracker, _, probs, _ = _run(RegimeModelConfig(refit="200", min_history=150))
    for fit in tracker.fits:
        assert fit.params.means[0][1] < fit.params.means[1][1]
    valid = probs[~np.isnan(probs[:, 0])]
    np.testing.assert_allclose(valid.sum(axis=1), 1.0, atol=1e-12)


def test_a_failed_refit_keeps_the_model_in_use() -> None:
    fitter = MedianSplitFitter(fail_after=1)
    tracker, _, probs, _ = _run(
        RegimeModelConfig(refit="100", min_history=150), fitter=fitter
    )
    assert len(tracker.fits) == 1
    assert len(fitter.windows) > 3
    first = int(np.flatnonzero(~np.isnan(probs[:, 0]))[0])
    assert not np.isnan(probs[first:]).any()


@settings(max_examples=15, deadline=None)
@given(cut=st.integers(1, 1199), refit=st.sampled_from(["session", "50", "173"]))
def test_a_truncated_run_is_the_full_runs_prefix(cut: int, refit: str) -> None:
    config = RegimeModelConfig(refit=refit, min_history=120, window=0)
    _, _, full, (stamps, sessions, closes) = _run(config, n=1200)
    part = track_series(
        RegimeTracker(config, MedianSplitFitter()),
        stamps[:cut],
        sessions[:cut],
        closes[:cut],
    )
    np.testing.assert_array_equal(part, full[:cut])


def test_config_is_checked() -> None:
    assert parse_refit("session") is None
    assert parse_refit("390bars") == 390
    assert parse_refit(" 25 ") == 25
    with pytest.raises(InvalidInput, match="'session' or a bar count"):
        RegimeModelConfig(refit="weekly")
    with pytest.raises(InvalidInput, match="must be 0 or >= min_history"):
        RegimeModelConfig(window=50, min_history=100)
    with pytest.raises(InvalidInput, match="states"):
        RegimeModelConfig(states=1)
