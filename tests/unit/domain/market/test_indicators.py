"""Incremental indicators against hand-computed values and their vectorized twins."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.indicators import (
    EWMA,
    MIN_RECOMPUTE_INTERVAL,
    SMA,
    EWMVolatility,
    RollingReturn,
    alpha_from_halflife,
    alpha_from_span,
    ewm_volatility_array,
    ewma_array,
    rolling_return_array,
    sma_array,
)


def feed(
    indicator: SMA | EWMA | EWMVolatility | RollingReturn, xs: list[float]
) -> list:
    return [indicator.update(x) for x in xs]


def same(a: list[float] | np.ndarray, b: list[float]) -> bool:
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True))


def test_sma_is_nan_until_the_window_fills_then_trails() -> None:
    sma = SMA(3)
    assert same(feed(sma, [1, 2, 3, 4, 10]), [math.nan, math.nan, 2.0, 3.0, 17 / 3])
    assert sma.ready
    assert sma.value == pytest.approx(17 / 3)
    assert same(sma_array([1, 2, 3, 4, 10], 3), [math.nan, math.nan, 2.0, 3.0, 17 / 3])


def test_sma_of_window_one_is_the_value() -> None:
    assert feed(SMA(1), [5.0, 7.0]) == [5.0, 7.0]


def test_sma_heals_a_sum_that_lost_small_values_next_to_a_huge_one() -> None:
    sma = SMA(3)
    values = [1e17] + [1.0] * (MIN_RECOMPUTE_INTERVAL - 1)
    out = feed(sma, values)
    assert out[-1] == 1.0  # exact again after the periodic fsum
    assert sma.value == 1.0


def test_sma_has_no_drift_over_many_updates() -> None:
    values = np.random.default_rng(0).normal(100.0, 5.0, 200_000)
    out = feed(SMA(20), list(values))
    assert abs(out[-1] - values[-20:].mean()) < 1e-12


def test_ewma_is_seeded_with_the_first_value() -> None:
    ewma = EWMA(0.5)
    assert math.isnan(ewma.value)
    assert feed(ewma, [10.0, 20.0, 20.0]) == [10.0, 15.0, 17.5]
    assert same(ewma_array([10.0, 20.0, 20.0], 0.5), [10.0, 15.0, 17.5])


def test_ewm_volatility_follows_riskmetrics_recursion() -> None:
    prices = [100.0, 110.0, 99.0, 99.0]
    r1, r2 = math.log(1.1), math.log(0.9)
    v1 = r1**2
    v2 = 0.75 * v1 + 0.25 * r2**2
    v3 = 0.75 * v2
    expected = [math.nan, math.sqrt(v1), math.sqrt(v2), math.sqrt(v3)]
    assert same(feed(EWMVolatility(0.25), prices), expected)
    assert same(ewm_volatility_array(prices, 0.25), expected)


def test_rolling_return_over_the_lookback() -> None:
    prices = [100.0, 101.0, 110.0, 99.0]
    expected = [math.nan, math.nan, 0.10, 99.0 / 101.0 - 1.0]
    assert same(feed(RollingReturn(2), prices), expected)
    assert same(rolling_return_array(prices, 2), expected)


def test_vectorized_forms_handle_short_and_empty_inputs() -> None:
    assert np.isnan(sma_array([1.0, 2.0], 3)).all()
    assert len(ewma_array([], 0.3)) == 0
    assert np.isnan(ewm_volatility_array([5.0], 0.3)).all()
    assert np.isnan(rolling_return_array([1.0], 4)).all()


def test_alpha_conventions() -> None:
    assert alpha_from_span(9) == 0.2
    assert alpha_from_halflife(1.0) == pytest.approx(0.5)
    weights = (1 - alpha_from_halflife(10.0)) ** 10
    assert weights == pytest.approx(0.5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SMA(0),
        lambda: SMA(2.5),  # type: ignore[arg-type]
        lambda: RollingReturn(0),
        lambda: EWMA(0.0),
        lambda: EWMVolatility(1.5),
        lambda: alpha_from_span(0.5),
        lambda: alpha_from_halflife(0.0),
        lambda: sma_array(np.ones((2, 2)), 2),
    ],
)
def test_rejects_bad_parameters(make: object) -> None:
    with pytest.raises(InvalidInput):
        make()  # type: ignore[operator]


def test_a_large_value_leaving_the_window_leaves_no_rounding_behind() -> None:
    # Regression (a CI property-test counterexample): the running sums kept the
    # rounding of 90.52 after it left the 2-bar window; the z-score of (0.01, 0.02)
    # came out 1.0000000070722308 instead of 1.
    from tradecore.domain.market.technical import ZScore

    z = ZScore(2)
    got = [z.update(x) for x in (0.01, 0.01, 90.52, 0.01, 0.02)]
    assert got[-1] == pytest.approx(1.0, rel=1e-12, abs=0)
