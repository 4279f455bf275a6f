"""Bayesian Kelly sizing: the posterior, the conservative p, payoff shrinkage, caps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from scipy.stats import beta as beta_distribution

from tradecore.domain import (
    BayesianKelly,
    IsotonicCalibrator,
    KellyConfig,
    kelly_optimal_fraction,
    volatility_regime_multiplier,
)
from tradecore.domain.errors import InvalidInput
from tradecore.domain.sizing.kelly import (
    BELOW_ONE_LOT,
    CAPPED,
    KELLY_NON_POSITIVE,
    NO_SIGNAL,
    REGIME_OFF,
)

EQUITY = Decimal(100_000)
PRICE = Decimal(50)


def test_kelly_fraction_formula() -> None:
    assert kelly_optimal_fraction(0.6, 1.0) == pytest.approx(0.2)
    assert kelly_optimal_fraction(0.5, 2.0) == pytest.approx(0.25)
    assert kelly_optimal_fraction(0.4, 1.0) == 0.0  # floored, never negative


def test_prior_is_pseudo_counts_and_outcomes_update_it() -> None:
    config = KellyConfig(prior_win_rate=0.6, prior_strength=10.0)
    state = BayesianKelly(config=config).update_all([0.02, -0.01, 0.03, 0.0])
    assert (state.alpha, state.beta) == pytest.approx((6.0 + 2, 4.0 + 1))
    assert (state.wins, state.losses) == (2, 1)  # the scratch trade changes nothing
    assert state.posterior_mean == pytest.approx(8 / 13)


def test_conservative_p_is_the_lower_end_of_the_credible_interval() -> None:
    state = BayesianKelly().update_all([0.02] * 30 + [-0.01] * 20)
    decision = state.decide(equity=EQUITY, price=PRICE)
    expected = beta_distribution.ppf(0.05, state.alpha, state.beta)
    assert decision.conservative_probability == pytest.approx(expected)
    assert decision.interval_low == pytest.approx(expected)
    assert decision.interval_high == pytest.approx(
        beta_distribution.ppf(0.95, state.alpha, state.beta)
    )
    assert decision.interval_low < decision.posterior_mean < decision.interval_high


def test_the_full_sizing_chain_multiplies_and_converts_to_shares() -> None:
    config = KellyConfig(kelly_fraction=0.5, max_fraction=1.0)
    state = BayesianKelly(config=config).update_all([0.02] * 60 + [-0.01] * 40)
    decision = state.decide(
        equity=EQUITY, price=PRICE, signal_strength=0.8, regime_multiplier=0.5
    )
    b = decision.payoff_ratio
    full = (
        decision.conservative_probability - (1 - decision.conservative_probability) / b
    )
    assert decision.full_kelly == pytest.approx(full)
    assert decision.uncapped_fraction == pytest.approx(full * 0.5 * 0.8 * 0.5)
    assert decision.final_fraction == decision.uncapped_fraction
    assert decision.shares == int(decision.final_fraction * 100_000 / 50)
    assert decision.reason is None


def test_payoff_ratio_is_shrunk_toward_the_prior_until_evidence_accrues() -> None:
    config = KellyConfig(prior_payoff=1.0, payoff_prior_strength=20.0)
    few = BayesianKelly(config=config).update_all([0.03, -0.01])  # observed b = 3
    assert few.payoff_ratio() == pytest.approx((1 * 3 + 20 * 1) / 21)
    many = BayesianKelly(config=config).update_all([0.03, -0.01] * 200)
    assert many.payoff_ratio() == pytest.approx((200 * 3 + 20) / 220)
    only_wins = BayesianKelly(config=config).update_all([0.05] * 10)
    assert only_wins.payoff_ratio() == 1.0  # no losses: no ratio to trust


def test_fraction_is_capped_and_says_so() -> None:
    config = KellyConfig(kelly_fraction=1.0, max_fraction=0.15)
    state = BayesianKelly(config=config).update_all([0.05] * 200 + [-0.01] * 20)
    decision = state.decide(equity=EQUITY, price=PRICE)
    assert decision.uncapped_fraction > 0.15
    assert decision.final_fraction == 0.15
    assert decision.reason == CAPPED
    assert decision.shares == Decimal(300)


def test_zero_edge_zero_signal_zero_regime_and_tiny_accounts_say_why() -> None:
    losing = BayesianKelly().update_all([0.01] * 10 + [-0.01] * 30)
    assert losing.decide(equity=EQUITY, price=PRICE).reason == KELLY_NON_POSITIVE
    winning = BayesianKelly().update_all([0.02] * 80 + [-0.01] * 20)
    no_signal = winning.decide(equity=EQUITY, price=PRICE, signal_strength=0.0)
    assert (no_signal.reason, no_signal.shares) == (NO_SIGNAL, 0)
    calm_off = winning.decide(equity=EQUITY, price=PRICE, regime_multiplier=0.0)
    assert calm_off.reason == REGIME_OFF
    tiny = winning.decide(equity=Decimal(100), price=Decimal(500))
    assert (tiny.reason, tiny.shares) == (BELOW_ONE_LOT, 0)
    assert tiny.final_fraction > 0


def test_model_probability_is_shrunk_by_the_posterior_margin() -> None:
    state = BayesianKelly().update_all([0.02] * 30 + [-0.01] * 20)
    decision = state.decide(equity=EQUITY, price=PRICE, model_probability=0.7)
    margin = decision.posterior_mean - decision.interval_low
    assert decision.raw_probability == 0.7
    assert decision.calibrated_probability == 0.7
    assert decision.conservative_probability == pytest.approx(0.7 - margin)


def test_a_calibrator_maps_model_probabilities_before_shrinkage() -> None:
    calibrator = IsotonicCalibrator.fit([0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1])
    state = BayesianKelly().with_calibrator(calibrator)
    decision = state.decide(equity=EQUITY, price=PRICE, model_probability=0.9)
    assert decision.calibrated_probability == 1.0
    assert decision.raw_probability == 0.9


def test_sizing_record_is_json_ready() -> None:
    record = BayesianKelly().decide(equity=EQUITY, price=PRICE).to_dict()
    assert record["shares"] == "0"
    assert record["reason"] == KELLY_NON_POSITIVE  # a 50% prior with b = 1 has no edge


def test_regime_multiplier_targets_volatility_within_bounds() -> None:
    assert volatility_regime_multiplier(0.04, 0.02) == pytest.approx(0.5)
    assert volatility_regime_multiplier(0.01, 0.02) == 1.0  # calm: no leverage-up
    assert volatility_regime_multiplier(0.01, 0.02, ceiling=1.5) == 1.5
    assert volatility_regime_multiplier(1.0, 0.02, floor=0.25) == 0.25
    with pytest.raises(InvalidInput, match="floor"):
        volatility_regime_multiplier(0.02, 0.02, floor=2.0, ceiling=1.0)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("equity", {"equity": Decimal(0)}),
        ("price", {"price": 50.0}),
        ("signal_strength", {"signal_strength": 1.5}),
        ("regime_multiplier", {"regime_multiplier": -0.1}),
        ("model_probability", {"model_probability": 1.2}),
    ],
)
def test_bad_sizing_inputs_name_the_field(
    field: str, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"equity": EQUITY, "price": PRICE}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        BayesianKelly().decide(**args)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prior_win_rate", 1.0),
        ("prior_strength", 0.0),
        ("credible_level", 0.0),
        ("max_fraction", 1.5),
    ],
)
def test_bad_config_names_the_field(field: str, value: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        KellyConfig(**{field: value})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_trade_returns_must_be_finite() -> None:
    with pytest.raises(InvalidInput, match="trade_return"):
        BayesianKelly().update(float("nan"))


def test_isotonic_calibrator_pools_violators_and_interpolates() -> None:
    # Hit rates 0, 1, 0, 1 at 0.1..0.4 violate monotonicity; PAV pools the middle.
    calibrator = IsotonicCalibrator.fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    assert calibrator.values == pytest.approx((0.0, 0.5, 0.5, 1.0))
    assert calibrator.calibrate(0.05) == 0.0
    assert calibrator.calibrate(0.35) == pytest.approx(0.75)
    assert calibrator.calibrate(0.9) == 1.0


def test_isotonic_calibrator_weights_repeated_probabilities() -> None:
    calibrator = IsotonicCalibrator.fit([0.3, 0.3, 0.3, 0.7], [1, 1, 0, 0])
    # 0.3 has rate 2/3 with weight 3, 0.7 rate 0 with weight 1: pooled to 0.5.
    assert calibrator.knots == (0.3, 0.7)
    assert calibrator.values == pytest.approx((0.5, 0.5))
    assert calibrator.samples == 4
    assert len(calibrator.content_hash) == 64


def test_isotonic_calibrator_rejects_bad_data() -> None:
    with pytest.raises(InvalidInput, match="probabilities"):
        IsotonicCalibrator.fit([0.1], [])
    with pytest.raises(InvalidInput, match="outcome"):
        IsotonicCalibrator.fit([0.1], [2])
    with pytest.raises(InvalidInput, match="probability"):
        IsotonicCalibrator.fit([1.1], [1])
