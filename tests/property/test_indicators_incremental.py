"""Property: every incremental indicator equals its vectorized twin, bar by bar."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.market.indicators import (
    EWMA,
    SMA,
    EWMVolatility,
    RollingReturn,
    SMAPair,
    ewm_volatility_array,
    ewma_array,
    rolling_return_array,
    sma_array,
)

values = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    min_size=0,
    max_size=400,
)
prices = st.lists(st.floats(0.01, 1e5), min_size=0, max_size=400)
alphas = st.floats(0.001, 1.0)


def close(incremental: list[float], vectorized: np.ndarray, scale: float) -> None:
    assert np.allclose(
        incremental, vectorized, rtol=1e-9, atol=1e-9 * scale, equal_nan=True
    )
    assert np.array_equal(np.isnan(incremental), np.isnan(vectorized))


@given(values, st.integers(1, 50))
def test_sma_matches_sma_array(xs: list[float], window: int) -> None:
    sma = SMA(window)
    scale = max([1.0, *map(abs, xs)])
    close([sma.update(x) for x in xs], sma_array(xs, window), scale)


@given(values, alphas)
def test_ewma_matches_ewma_array(xs: list[float], alpha: float) -> None:
    ewma = EWMA(alpha)
    scale = max([1.0, *map(abs, xs)])
    close([ewma.update(x) for x in xs], ewma_array(xs, alpha), scale)


@given(prices, alphas)
def test_ewm_volatility_matches_its_array(ps: list[float], alpha: float) -> None:
    vol = EWMVolatility(alpha)
    close([vol.update(p) for p in ps], ewm_volatility_array(ps, alpha), 1.0)


@given(prices, st.integers(1, 30))
def test_rolling_return_matches_its_array(ps: list[float], lookback: int) -> None:
    rolling = RollingReturn(lookback)
    close([rolling.update(p) for p in ps], rolling_return_array(ps, lookback), 1.0)


@given(values, st.integers(1, 30), st.integers(0, 400))
def test_sma_is_point_in_time(xs: list[float], window: int, cut: int) -> None:
    # Changing the future never changes a value already produced.
    cut = min(cut, len(xs))
    altered = xs[:cut] + [x + 1.0 for x in xs[cut:]]
    full, prefix = sma_array(xs, window), sma_array(altered, window)
    assert np.array_equal(full[:cut], prefix[:cut], equal_nan=True)


def _assert_pair_is_two_smas(xs: list[float], fast: int, slow: int) -> None:
    pair, one, other = SMAPair(fast, slow), SMA(fast), SMA(slow)
    for x in xs:
        got = pair.update(x)
        want = (one.update(x), other.update(x))
        assert np.array_equal(got, want, equal_nan=True), (x, got, want)
        assert [math.copysign(1.0, g) for g in got] == [
            math.copysign(1.0, w) for w in want
        ]


@given(values, st.integers(1, 50), st.integers(0, 60))
def test_sma_pair_is_two_smas_bit_for_bit(
    xs: list[float], fast: int, extra: int
) -> None:
    # One ring buffer for both windows must not move a single bit: a crossover
    # strategy trades on exact comparisons of the two averages.
    _assert_pair_is_two_smas(xs, fast, fast + extra)


@given(
    st.integers(0, 2**32 - 1),
    st.integers(300, 1500),
    st.integers(1, 140),
    st.integers(0, 200),
    st.sampled_from([1e-3, 1.0, 1e6]),
)
def test_sma_pair_matches_through_the_fsum_rebuilds(
    seed: int, n: int, fast: int, extra: int, scale: float
) -> None:
    # Long series: both windows' exact rebuilds (every max(window, 128) values)
    # happen, some of them after the ring buffer wrapped.
    xs = (np.random.default_rng(seed).standard_normal(n) * scale + scale).tolist()
    _assert_pair_is_two_smas(xs, fast, fast + extra)
