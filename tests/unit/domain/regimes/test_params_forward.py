"""The HMM parameters and the forward filter: labels by volatility, and filtered
probabilities equal to brute-force conditioning on the past (never the future)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.forward import filter_run, forward_step, log_emissions
from tradecore.domain.regimes.params import RegimeParams


def _params(rng: np.random.Generator, k: int) -> RegimeParams:
    transmat = rng.dirichlet(np.ones(k) * 2, size=k)
    return RegimeParams(
        start=rng.dirichlet(np.ones(k)).tolist(),
        transmat=transmat.tolist(),
        means=rng.normal(0, 1, (k, 2)).tolist(),
        variances=rng.uniform(0.2, 2.0, (k, 2)).tolist(),
        center=[0.1, -5.0],
        scale=[0.5, 2.0],
    )


def _brute_force(
    params: RegimeParams, prior: tuple[float, ...], ys: list[tuple[float, float]]
) -> list[float]:
    """P(last state | all ys) by summing over every state path."""
    k = params.n_states
    weights = [0.0] * k
    for path in itertools.product(range(k), repeat=len(ys) + 1):
        w = prior[path[0]]
        for t, y in enumerate(ys):
            w *= params.transmat[path[t]][path[t + 1]]
            w *= math.exp(log_emissions(params, y)[path[t + 1]])
        weights[path[-1]] += w
    total = sum(weights)
    return [w / total for w in weights]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 3), n=st.integers(1, 4))
def test_the_filter_is_exact_conditioning_on_the_past(
    seed: int, k: int, n: int
) -> None:
    rng = np.random.default_rng(seed)
    params = _params(rng, k)
    ys = [tuple(y) for y in rng.normal(0, 1, (n, 2)).tolist()]
    prior = params.stationary()
    filtered = filter_run(params, ys, prior)  # type: ignore[arg-type]
    np.testing.assert_allclose(filtered, _brute_force(params, prior, ys), rtol=1e-9)  # type: ignore[arg-type]
    assert math.isclose(sum(filtered), 1.0, rel_tol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 4))
def test_relabelling_by_volatility_only_permutes_the_probabilities(
    seed: int, k: int
) -> None:
    rng = np.random.default_rng(seed)
    params = _params(rng, k)
    ordered = params.ordered_by_volatility()
    vols = [m[1] for m in ordered.means]
    assert vols == sorted(vols)
    order = sorted(range(k), key=lambda s: (params.means[s][1], s))
    ys = rng.normal(0, 1, (6, 2)).tolist()
    before = filter_run(params, ys)
    after = filter_run(ordered, ys)
    np.testing.assert_allclose(after, [before[i] for i in order], atol=1e-12)


def test_stationary_distribution_is_invariant() -> None:
    params = _params(np.random.default_rng(3), 3)
    p = np.array(params.stationary())
    np.testing.assert_allclose(p @ np.array(params.transmat), p, atol=1e-12)
    assert params.expected_durations()[0] == pytest.approx(
        1 / (1 - params.transmat[0][0])
    )


def test_an_impossible_observation_keeps_the_prediction() -> None:
    params = RegimeParams(
        start=[0.5, 0.5],
        transmat=[[0.9, 0.1], [0.2, 0.8]],
        means=[[0, 0], [0, 1]],
        variances=[[1e-300, 1e-300], [1e-300, 1e-300]],
        center=[0, 0],
        scale=[1, 1],
    )
    assert forward_step(params, (1.0, 0.0), (1e200, 1e200)) == pytest.approx((0.9, 0.1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": [0.7, 0.7]}, "must sum to 1"),
        ({"transmat": [[1.0, 0.0]]}, "must all have 2 states"),
        ({"variances": [[1.0, 0.0], [1.0, 1.0]]}, "must be > 0"),
        ({"start": [1.0]}, "must be >= 2"),
    ],
)
def test_bad_parameters_are_refused(change: dict[str, object], message: str) -> None:
    good: dict[str, object] = {
        "start": [0.5, 0.5],
        "transmat": [[0.9, 0.1], [0.1, 0.9]],
        "means": [[0, 0], [0, 1]],
        "variances": [[1, 1], [1, 1]],
        "center": [0, 0],
        "scale": [1, 1],
    }
    with pytest.raises(InvalidInput, match=message):
        RegimeParams(**{**good, **change})  # type: ignore[arg-type]


def test_to_dict_spells_every_float_one_way() -> None:
    params = _params(np.random.default_rng(5), 2)
    d = params.to_dict()
    assert d["start"] == [repr(x) for x in params.start]
    assert float(d["transmat"][1][0]) == params.transmat[1][0]  # type: ignore[index]
