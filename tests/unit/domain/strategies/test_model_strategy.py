"""ModelStrategy: online features into a predictor, thresholds into weight targets."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features import FeatureSet, FeatureSpec
from tradecore.domain.strategies.market_view import MarketFeed
from tradecore.domain.strategies.model_strategy import ModelStrategy
from tradecore.domain.strategies.protocol import WeightTarget

MINUTE = 60_000_000_000
FEATURES = FeatureSet([FeatureSpec("r1", "return", {"n": 1})])


class Book:
    def __init__(self) -> None:
        self.held: dict[str, Decimal] = {}

    def position(self, symbol: str) -> Decimal:
        return self.held.get(symbol, Decimal(0))

    def equity(self) -> float:
        return 1000.0

    def cash(self) -> float:
        return 1000.0

    def positions(self) -> dict[str, Decimal]:
        return dict(self.held)


class ByReturn:
    """p = 0.5 + 10 x the one-bar return (clipped): rising names score high."""

    def __init__(self) -> None:
        self.seen: list[np.ndarray] = []

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        self.seen.append(features.copy())
        return np.clip(0.5 + 10 * features[:, 0], 0, 1)


def _step(
    strategy: ModelStrategy, feed: MarketFeed, i: int, closes: dict[str, float]
) -> list[WeightTarget]:
    for symbol, close in closes.items():
        feed.stage(symbol, i * MINUTE, close, close, close, close, 100.0)
        feed.commit(symbol, i * MINUTE, close, 100.0)
    out = strategy.on_bars(i * MINUTE, feed.view.cross_section, feed.view)
    return list(out or [])  # type: ignore[arg-type]


def _strategy(**kwargs: object) -> tuple[ModelStrategy, ByReturn]:
    model = ByReturn()
    options = {
        "model_hash": "ab" * 32,
        "p_long": 0.55,
        "p_short": 0.45,
        "edge_scale": 0.002,
    }
    options.update(kwargs)
    return ModelStrategy(model, FEATURES, **options), model  # type: ignore[arg-type]


def test_longs_above_p_long_with_probability_and_edge() -> None:
    strategy, model = _strategy(max_names=1, weight=0.2)
    feed = MarketFeed(Book())
    assert _step(strategy, feed, 0, {"AAA": 100.0, "BBB": 100.0}) == []  # warm-up
    targets = _step(strategy, feed, 1, {"AAA": 101.0, "BBB": 100.6})
    # AAA: p = 0.6, BBB: p = 0.56; max_names=1 keeps the best.
    assert [t.symbol for t in targets] == ["AAA"]
    (target,) = targets
    assert target.weight == 0.2
    assert target.probability == pytest.approx(0.6)
    assert target.expected_edge_bps == pytest.approx((2 * 0.6 - 1) * 0.002 * 1e4)
    np.testing.assert_allclose(model.seen[-1][:, 0], [0.01, 0.006])


def test_holds_between_thresholds_and_exits_below_p_short() -> None:
    strategy, _ = _strategy()
    book = Book()
    feed = MarketFeed(book)
    _step(strategy, feed, 0, {"AAA": 100.0})
    book.held["AAA"] = Decimal(10)
    assert _step(strategy, feed, 1, {"AAA": 101.0}) == []  # long already: no churn
    assert _step(strategy, feed, 2, {"AAA": 101.0}) == []  # p = 0.5: hold
    (exit_,) = _step(strategy, feed, 3, {"AAA": 99.0})  # p < 0.45: flat
    assert exit_.weight == 0.0


def test_shorts_when_asked_with_the_short_side_probability() -> None:
    strategy, _ = _strategy(short=True, weight=0.1)
    feed = MarketFeed(Book())
    _step(strategy, feed, 0, {"AAA": 100.0})
    (target,) = _step(strategy, feed, 1, {"AAA": 99.0})  # p ~= 0.4
    assert target.weight == -0.1
    assert target.probability == pytest.approx(1 - (0.5 + 10 * (99 / 100 - 1)))


def test_rebalance_skips_predictions_between_rebalances() -> None:
    strategy, model = _strategy(rebalance=3)
    feed = MarketFeed(Book())
    for i in range(6):
        _step(strategy, feed, i, {"AAA": 100.0 + i})
    assert len(model.seen) == 2  # timestamps 3 and 6


def test_exposes_the_hashes_a_manifest_binds() -> None:
    strategy, _ = _strategy()
    assert strategy.feature_schema_hash == FEATURES.schema_hash()
    assert strategy.model_hash == "ab" * 32


@pytest.mark.parametrize(
    "bad",
    [
        {"p_long": 0.4, "p_short": 0.6},
        {"weight": 0.0},
        {"max_names": 0},
        {"rebalance": 0},
        {"edge_scale": -1.0},
    ],
)
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        _strategy(**bad)
