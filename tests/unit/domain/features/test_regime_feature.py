"""The ``regime`` feature kind: online = vectorised exactly, point in time by the
leakage check, and the classic mistake (one fit on the whole series) caught."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tests.unit.domain.features.support import CALENDAR, bars, online_rows
from tests.unit.domain.regimes.support import MedianSplitFitter
from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain.errors import InvalidInput
from tradecore.domain.features import (
    FeatureSet,
    FeatureSpec,
    feature_leakage,
    parse_features,
    to_toml,
)
from tradecore.domain.features.kinds import (
    KINDS,
    BarPoint,
    FloatArray,
    SeriesInput,
    Updater,
    register_kind,
)
from tradecore.domain.features.regime import Regime
from tradecore.domain.regimes.fitter import fitter_named, register_fitter
from tradecore.domain.regimes.forward import forward_step
from tradecore.domain.regimes.observations import observation_series
from tradecore.domain.regimes.tracker import fit_window

QUICK = {"fitter": "median-split", "min_history": 60, "vol_window": 10}


@pytest.fixture(autouse=True)
def quick_fitter() -> None:
    register_fitter("median-split", MedianSplitFitter)


def regime_set(**params: object) -> FeatureSet:
    merged = {**QUICK, **params}
    return FeatureSet(
        [
            FeatureSpec("r1", "return", {"n": 1}),
            FeatureSpec("high", "regime", merged),  # type: ignore[arg-type]
            FeatureSpec("state", "regime", {**merged, "output": "state"}),  # type: ignore[arg-type]
            FeatureSpec("calm", "regime", {**merged, "output": "p0"}),  # type: ignore[arg-type]
        ]
    )


class FullSeriesRegime(Regime):
    """WRONG on purpose: one fit on the whole series, then filtered. Every row's
    parameters know the bars after it: the backtest-killer the check must catch."""

    kind = "test_regime_full_series"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        config = self.model_config()
        index, observations = observation_series(bars.close, config.vol_window)
        out = np.full(len(bars.close), np.nan)
        if len(observations) < config.min_history:
            return out
        params = fit_window(fitter_named(str(self.p["fitter"])), observations, config)
        probs = params.stationary()
        for i, y in zip(index.tolist(), observations.tolist(), strict=True):
            probs = forward_step(params, probs, y)
            out[i] = probs[-1]
        return out

    def online(self) -> Updater:
        def update(bar: BarPoint) -> float:
            return np.nan  # it cannot fit on bars it has not seen

        return update


@pytest.fixture
def full_series_kind() -> Iterator[None]:
    register_kind(FullSeriesRegime)
    yield
    KINDS.pop(FullSeriesRegime.kind)


@pytest.mark.parametrize("refit", ["session", "45"])
def test_online_equals_vectorised_exactly(refit: str) -> None:
    frames = bars(n=500)
    feature_set = regime_set(refit=refit)
    matrix = feature_set.matrix(frames, CALENDAR)
    online = online_rows(feature_set, frames)
    np.testing.assert_array_equal(online, matrix.values)  # NaN in the same places
    high = matrix.column("high")
    assert (~np.isnan(high)).sum() > 100  # it fitted and filtered on every symbol
    state = matrix.column("state")
    np.testing.assert_array_equal(state[~np.isnan(state)] >= 0, True)
    np.testing.assert_allclose(
        (high + matrix.column("calm"))[~np.isnan(high)], 1.0, atol=1e-12
    )


def test_the_regime_feature_passes_the_leakage_check() -> None:
    frames = bars(n=500)
    report = feature_leakage(regime_set(refit="40"), frames, CALENDAR)
    assert report.passed, report.leak


def test_a_regime_fitted_on_the_whole_series_is_caught(full_series_kind: None) -> None:
    frames = bars(n=500)
    wrong = FeatureSet(
        [FeatureSpec("wrong", FullSeriesRegime.kind, dict(QUICK))]  # type: ignore[arg-type]
    )
    assert (~np.isnan(wrong.matrix(frames, CALENDAR).column("wrong"))).sum() > 0
    report = feature_leakage(wrong, frames, CALENDAR)
    assert report.leak is not None
    assert report.leak.what == "wrong"
    assert report.leak.timestamp_ns <= report.leak.cut_ns  # a row before the cut moved


def test_declared_in_toml_with_every_parameter_round_trips() -> None:
    text = """
[[feature]]
name = "p_high"
kind = "regime"
refit = "390"
states = 3
fitter = "median-split"
"""
    feature_set = parse_features(text)
    again = parse_features(to_toml(feature_set))
    assert again.schema_hash() == feature_set.schema_hash()
    (spec,) = again.resolved()
    assert spec.params["refit"] == "390"
    assert spec.params["states"] == 3
    assert spec.params["tol"] == 1e-4
    assert spec.params["window"] == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"output": "p5"}, "expected p_high, state or p0..p1"),
        ({"refit": "hourly"}, "'session' or a bar count"),
        ({"fitter": "nope"}, "pip install 'tradecore\\[regimes\\]'"),
    ],
)
def test_bad_declarations_say_what_is_wrong(
    params: dict[str, object], message: str
) -> None:
    feature_set = FeatureSet([FeatureSpec("r", "regime", {**QUICK, **params})])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=message):
        feature_set.matrix(bars(n=20), CALENDAR)


def test_hmmlearn_forms_agree_too() -> None:
    install_regime_fitters()
    frames = bars(("AAA", "BBB"), n=400)
    feature_set = regime_set(fitter="hmmlearn", refit="60", min_history=100)
    matrix = feature_set.matrix(frames, CALENDAR)
    np.testing.assert_array_equal(online_rows(feature_set, frames), matrix.values)
    assert (~np.isnan(matrix.column("high"))).sum() > 400
