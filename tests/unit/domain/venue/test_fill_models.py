import math

import numpy as np
import pytest

from tests.simkit import T0, bar
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Quote
from tradecore.domain.venue.fill_models import (
    AdverseSelectionConfig,
    FillModel,
    ImpactConfig,
    LatencyConfig,
    LiquidityConfig,
    QueueConfig,
    SpreadConfig,
)


def test_latency_is_floor_plus_a_seeded_tail():
    config = LatencyConfig(ack_floor_s=0.1, ack_tail_s=0.05)
    first = [config.ack(np.random.default_rng(3)) for _ in range(3)]
    again = [config.ack(np.random.default_rng(3)) for _ in range(3)]
    assert first == again
    draws = [config.ack(np.random.default_rng(seed)) for seed in range(200)]
    assert min(draws) >= 0.1
    assert np.mean(draws) == pytest.approx(0.15, abs=0.01)


def test_zero_tail_latency_draws_nothing_from_the_generator():
    rng = np.random.default_rng(1)
    assert LatencyConfig(fill_floor_s=0.2, fill_tail_s=0).first_fill(rng) == 0.2
    assert rng.random() == np.random.default_rng(1).random()


def test_spread_comes_from_the_quote_when_known():
    quote = Quote(symbol="AAPL", timestamp=T0, bid=99.95, ask=100.05)
    assert SpreadConfig(floor_bps=1).spread_bps(bar(T0), quote) == pytest.approx(10)


def test_spread_is_estimated_from_the_bar_range_and_floored():
    config = SpreadConfig(floor_bps=5, range_fraction=0.1)
    # range 2 on mid 100 = 200 bps; a tenth of it = 20 bps
    assert config.spread_bps(bar(T0), None) == pytest.approx(20)
    assert config.spread_bps(bar(T0, 100, 100.01, 99.99, 100), None) == 5


def test_impact_is_a_power_law_in_participation():
    config = ImpactConfig(k=1.0, beta=0.5, sigma_floor=0)
    b = bar(T0)
    sigma = math.log(101 / 99) / (2 * math.sqrt(math.log(2)))
    assert config.impact_fraction(b, 0.04) == pytest.approx(sigma * 0.2)
    assert config.impact_fraction(b, 0.16) == pytest.approx(2 * sigma * 0.2)
    assert config.impact_fraction(b, 0.0) == 0


def test_impact_volatility_has_a_floor():
    flat = bar(T0, 100, 100, 100, 100)
    assert ImpactConfig(k=1, beta=1, sigma_floor=1e-3).impact_fraction(flat, 1) == 1e-3


def test_liquidity_caps_our_share_of_the_rest_of_the_bar():
    assert LiquidityConfig(max_participation=0.1).cap(1000, 0.5) == 50
    assert LiquidityConfig(max_participation=None).cap(1000, 0.5) == math.inf


def test_adverse_selection_charges_only_fills_along_the_move():
    config = AdverseSelectionConfig(coefficient=0.5)
    up = bar(T0, 100, 102, 99, 102)
    assert config.penalty_fraction(up, +1) == pytest.approx(0.01)
    assert config.penalty_fraction(up, -1) == 0


def test_ideal_model_switches_every_cost_off():
    model = FillModel.ideal()
    assert model.liquidity.max_participation is None
    assert not model.queue.enabled
    assert model.impact.impact_fraction(bar(T0), 0.5) == 0
    assert model.spread.spread_bps(bar(T0), None) == 0
    assert model.latency.ack(np.random.default_rng(0)) == 0


def test_realistic_overrides_replace_one_config():
    model = FillModel.realistic(impact=ImpactConfig(k=2.0))
    assert model.impact.k == 2.0
    assert model.spread == SpreadConfig()


@pytest.mark.parametrize(
    "build",
    [
        lambda: LatencyConfig(ack_floor_s=-1),
        lambda: LiquidityConfig(max_participation=0),
        lambda: QueueConfig(touch_fraction=1.5),
        lambda: SpreadConfig(floor_bps=float("nan")),
    ],
)
def test_configs_refuse_out_of_range_values(build):
    with pytest.raises(InvalidInput):
        build()
