"""Skewness and kurtosis taken together against each on its own.

``skewness_and_kurtosis`` shares the mean, deviations and ``m2`` a summary's
return statistics and PSR need; both must be exactly what ``skewness`` and
``kurtosis`` give, and the PSR with them what it gives without them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.statistics import (
    kurtosis,
    psr_of_returns,
    skewness,
    skewness_and_kurtosis,
)

_RETURNS = st.lists(
    st.one_of(st.floats(-0.2, 0.2), st.just(0.0), st.just(0.01), st.just(1e-170)),
    max_size=40,
)


def _outcome(compute):  # type: ignore[no-untyped-def]
    try:
        return tuple(repr(v) for v in compute())
    except (InvalidInput, ZeroDivisionError) as e:
        return (type(e).__name__, str(e))


@settings(max_examples=400, deadline=None)
@given(_RETURNS)
def test_moments_together_are_each_alone(returns: list[float]) -> None:
    values = np.array(returns, dtype=float)
    together = _outcome(lambda: skewness_and_kurtosis(values))
    alone = _outcome(lambda: (skewness(values), kurtosis(values)))
    assert together == alone  # values, NaN by spelling, or the same error
    if together[0] in ("InvalidInput", "ZeroDivisionError"):
        return
    moments = skewness_and_kurtosis(values)
    assert _outcome(lambda: (psr_of_returns(values),)) == _outcome(
        lambda: (psr_of_returns(values, moments=moments),)
    )
