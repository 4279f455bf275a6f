"""Risk parity: every name carries the same share of the risk, to 1e-8, on random
covariances and on long/short sleeves."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.portfolio import (
    EstimationConfig,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
)
from tradecore.domain.portfolio.covariance import estimate
from tradecore.domain.portfolio.risk_parity import (
    risk_budget_weights,
    risk_contributions,
)
from tradecore.domain.portfolio.sleeves import sleeve_weights


def _spd(seed: int, size: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(size, size)) * rng.uniform(0.1, 3.0, size)
    return a @ a.T + rng.uniform(1e-3, 1.0) * np.eye(size)


@given(st.integers(0, 2**32 - 1), st.integers(2, 25))
def test_risk_contributions_are_equal(seed: int, size: int) -> None:
    covariance = _spd(seed, size)
    weights = risk_budget_weights(covariance)
    assert (weights > 0).all()
    assert abs(weights.sum() - 1.0) < 1e-12
    contributions = risk_contributions(covariance, weights)
    assert np.abs(contributions - 1.0 / size).max() < 1e-8


@given(st.integers(0, 2**32 - 1), st.lists(st.booleans(), min_size=2, max_size=8))
def test_long_short_sleeves_get_equal_risk(seed: int, longs: list[bool]) -> None:
    """A short leg's risk is measured as held: ``w_i (C w)_i`` with signed ``w``."""
    size = len(longs)
    symbols = tuple(f"S{i}" for i in range(size))
    rng = np.random.default_rng(seed)
    returns = rng.normal(size=(200, size)) @ np.linalg.cholesky(_spd(seed, size)).T
    market = MarketInputs(
        symbols=symbols,
        returns=returns,
        prices={s: Decimal(1) for s in symbols},
        equity=Decimal(1000),
    )
    sleeve = Sleeve(
        "rp",
        1.0,
        SignalKind.SCORES,
        {s: 1.0 if up else -1.0 for s, up in zip(symbols, longs, strict=True)},
    )
    config = EstimationConfig(min_observations=60)
    result = sleeve_weights(sleeve, Method.RISK_PARITY, market, config)
    assert result.method_used is Method.RISK_PARITY
    weights = np.array([w for _, w in result.weights])
    assert (np.sign(weights) == np.where(longs, 1.0, -1.0)).all()
    estimated, _ = estimate(returns, list(range(size)), config)
    assert estimated is not None
    contributions = risk_contributions(estimated.covariance, weights)
    assert np.abs(contributions - 1.0 / size).max() < 1e-8
