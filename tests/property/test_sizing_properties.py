"""Bayesian Kelly invariants: bounds, monotonicity, shrinkage with uncertainty."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tradecore.domain import (
    BayesianKelly,
    IsotonicCalibrator,
    KellyConfig,
    kelly_optimal_fraction,
)
from tradecore.domain.sizing.kelly import CAPPED

probabilities = st.floats(0.0, 1.0)
payoffs = st.floats(0.01, 100.0)
rates = st.floats(0.02, 0.98)
returns = st.lists(
    st.one_of(st.floats(0.0001, 0.5), st.floats(-0.5, -0.0001)), max_size=60
)
configs = st.builds(
    KellyConfig,
    prior_win_rate=rates,
    prior_strength=st.floats(0.5, 1e4),
    credible_level=st.floats(0.5, 0.99),
    kelly_fraction=st.floats(0.05, 1.0),
    max_fraction=st.floats(0.01, 1.0),
    prior_payoff=st.floats(0.2, 5.0),
    payoff_prior_strength=st.floats(0.5, 100.0),
)
equities = st.integers(1_000, 10**8).map(Decimal)
prices = st.integers(100, 100_000).map(lambda c: Decimal(c) / 100)
calibrators = st.lists(
    st.tuples(probabilities, st.booleans()), min_size=1, max_size=30
).map(lambda pairs: IsotonicCalibrator.fit(*zip(*pairs, strict=True)))


@given(probabilities, probabilities, payoffs)
def test_kelly_is_monotone_in_p_and_never_negative(
    p1: float, p2: float, b: float
) -> None:
    low, high = sorted((p1, p2))
    assert 0.0 <= kelly_optimal_fraction(low, b) <= kelly_optimal_fraction(high, b)


@given(probabilities, payoffs, payoffs)
def test_kelly_is_monotone_in_b(p: float, b1: float, b2: float) -> None:
    low, high = sorted((b1, b2))
    assert kelly_optimal_fraction(p, low) <= kelly_optimal_fraction(p, high)


@given(
    configs,
    returns,
    equities,
    prices,
    st.floats(0.0, 1.0),
    st.floats(0.0, 5.0),
    st.none() | probabilities,
)
def test_size_is_never_negative_nor_above_the_cap(
    config: KellyConfig,
    history: list[float],
    equity: Decimal,
    price: Decimal,
    strength: float,
    regime: float,
    model_p: float | None,
) -> None:
    state = BayesianKelly(config=config).update_all(history)
    decision = state.decide(
        equity=equity,
        price=price,
        signal_strength=strength,
        regime_multiplier=regime,
        model_probability=model_p,
    )
    assert 0.0 <= decision.final_fraction <= config.max_fraction
    assert decision.uncapped_fraction >= decision.final_fraction
    assert decision.shares >= 0
    assert decision.shares * price <= Decimal(repr(decision.final_fraction)) * equity
    # A zero always says why; a cap is the only reason that still trades.
    assert (decision.shares == 0) == (decision.reason not in (None, CAPPED))


@given(configs, returns, calibrators | st.none(), probabilities, probabilities)
def test_size_is_monotone_in_the_model_probability(
    config: KellyConfig,
    history: list[float],
    calibrator: IsotonicCalibrator | None,
    p1: float,
    p2: float,
) -> None:
    state = BayesianKelly(config=config, calibrator=calibrator).update_all(history)
    low, high = sorted((p1, p2))

    def size(p: float) -> float:
        return state.decide(
            equity=Decimal(10**6), price=Decimal(10), model_probability=p
        ).final_fraction

    assert size(low) <= size(high)


@given(configs, returns, st.floats(0.0, 10.0))
def test_size_is_monotone_in_the_payoff(
    config: KellyConfig, history: list[float], extra_win: float
) -> None:
    state = BayesianKelly(config=config).update_all(history)
    richer = BayesianKelly(
        config=config,
        wins=state.wins,
        losses=state.losses,
        win_total=state.win_total + extra_win * state.wins,
        loss_total=state.loss_total,
    )
    assert richer.payoff_ratio() >= state.payoff_ratio()
    kwargs = {"equity": Decimal(10**6), "price": Decimal(10)}
    assert richer.decide(**kwargs).final_fraction >= (  # type: ignore[arg-type]
        state.decide(**kwargs).final_fraction  # type: ignore[arg-type]
    )


@given(rates, st.floats(1.0, 1e6), st.floats(1.0, 1e6), st.none() | probabilities)
def test_a_wider_posterior_never_sizes_larger(
    rate: float, n1: float, n2: float, model_p: float | None
) -> None:
    narrow_n, wide_n = max(n1, n2), min(n1, n2)
    # Unimodal posteriors (both Beta parameters >= 1): there the lower quantile
    # rises monotonically as the posterior narrows around the same mean.
    assume(min(rate, 1 - rate) * wide_n >= 1.0)

    def final(strength: float) -> float:
        config = KellyConfig(
            prior_win_rate=rate,
            prior_strength=strength,
            prior_payoff=2.0,
            max_fraction=1.0,
        )
        return (
            BayesianKelly(config=config)
            .decide(equity=Decimal(10**6), price=Decimal(10), model_probability=model_p)
            .final_fraction
        )

    assert final(wide_n) <= final(narrow_n) + 1e-12


@given(rates, st.floats(0.5, 0.99))
def test_a_huge_prior_strength_collapses_the_interval_to_the_prior(
    rate: float, level: float
) -> None:
    config = KellyConfig(prior_win_rate=rate, prior_strength=1e12, credible_level=level)
    state = BayesianKelly(config=config).update_all([0.01] * 20 + [-0.01] * 5)
    low, high = state.credible_interval()
    assert low <= rate + 1e-9
    assert high >= rate - 1e-9
    assert high - low < 1e-4
    assert state.posterior_mean == pytest.approx(rate, abs=1e-9)
