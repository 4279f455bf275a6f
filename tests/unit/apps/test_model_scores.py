"""ModelStrategy's scores reach the staleness watch through the swappable wrapper."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import numpy as np

from tradecore.apps.live.model_live import swappable
from tradecore.domain.features import FeatureSet, FeatureSpec
from tradecore.domain.research.staleness import ResolvedCalls
from tradecore.domain.strategies.market_view import MarketFeed
from tradecore.domain.strategies.model_strategy import ModelStrategy

MINUTE = 60_000_000_000


class Book:
    def position(self, symbol: str) -> Decimal:
        return Decimal(0)

    def equity(self) -> float:
        return 1000.0

    def cash(self) -> float:
        return 1000.0

    def positions(self) -> dict[str, Decimal]:
        return {}


class Up:
    """Every name scores 0.9: an up call."""

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        return np.full(len(features), 0.9)


def test_every_score_of_a_rebalance_becomes_a_call_and_resolves() -> None:
    strategy = ModelStrategy(
        Up(), FeatureSet([FeatureSpec("r1", "return", {"n": 1})]), model_hash="ab" * 32
    )
    target = swappable(strategy)
    calls = ResolvedCalls(horizon=1, keep=10)
    seen: list[Mapping[str, float] | None] = []

    def observe(bars: Mapping[str, object], scores: Mapping[str, float] | None) -> None:
        seen.append(scores)
        for symbol, bar in bars.items():
            calls.on_close(symbol, bar.close)  # type: ignore[attr-defined]
        for symbol, p in (scores or {}).items():
            calls.call(symbol, p)

    target.observers.append(observe)
    feed = MarketFeed(Book())
    for i, close in enumerate((100.0, 101.0, 100.5, 102.0)):
        feed.stage("AAA", i * MINUTE, close, close, close, close, 100.0)
        feed.commit("AAA", i * MINUTE, close, 100.0)
        target.on_bars(i * MINUTE, feed.view.cross_section, feed.view)
    assert seen[0] == {}  # warming up: no call
    assert seen[1:] == [{"AAA": 0.9}] * 3
    # up from 101 to 100.5 (wrong), up from 100.5 to 102 (right)
    assert list(calls.outcomes) == [False, True]
