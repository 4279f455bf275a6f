"""``ModelStrategy``: trade a model's probabilities on the batch callback.

At each timestamp the strategy folds every symbol's closed bar into its online
features (:class:`~tradecore.domain.features.feature_set.OnlineFeatures`, the
computation training's matrix was property-tested against), and every
``rebalance`` timestamps asks the predictor for ``p``, the probability that each
symbol's forward return is positive:

- ``p >= p_long``: long ``weight`` of equity (the ``max_names`` highest ``p`` only);
- ``p <= p_short``: flat, or short ``weight`` when ``short`` is on (the
  ``max_names`` lowest ``p``);
- in between: hold what is held (hysteresis: no churn around one threshold).

A target is only emitted when it changes the position's side. Each carries
``probability`` (that the trade's direction is right: ``p`` for a long, ``1 - p``
for a short) and ``expected_edge_bps``, so ``--net-of-cost`` sizing can use them.

The expected edge: if up and down moves have the same average size ``m`` (the
training rows' mean absolute forward return, ``avg_abs_forward_return`` in the
model card), a call right with probability ``q`` earns ``q m - (1 - q) m =
(2q - 1) m`` on average; in basis points, ``(2q - 1) * m * 1e4``. It is a
first-order estimate: it ignores any asymmetry between up and down moves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features.feature_set import FeatureSet, OnlineFeatures
from tradecore.domain.features.predictor import Predictor
from tradecore.domain.market.bars import Bar
from tradecore.domain.strategies.api import BarStrategy, Returned
from tradecore.domain.strategies.market_view import MarketView
from tradecore.domain.strategies.protocol import WeightTarget


class ModelStrategy(BarStrategy):
    """Long (or short) the names a model scores beyond its thresholds."""

    history = 2  # the features keep their own state; the view is not read back

    def __init__(
        self,
        predictor: Predictor,
        feature_set: FeatureSet,
        *,
        model_hash: str,
        strategy_id: str = "model",
        p_long: float = 0.55,
        p_short: float = 0.45,
        weight: float = 0.1,
        max_names: int = 5,
        short: bool = False,
        edge_scale: float = 0.0,
        rebalance: int = 1,
    ) -> None:
        """Trade ``predictor`` on ``feature_set`` (thresholds: module docstring).

        ``edge_scale`` is the card's ``avg_abs_forward_return`` (a fraction).

        Raises:
            InvalidInput: thresholds outside 0..1 or crossed, a weight outside
                (0, 1], ``max_names``/``rebalance`` below 1, a negative edge scale.
        """
        if not 0.0 <= p_short <= p_long <= 1.0:
            raise InvalidInput(
                "p_long", p_long, f"need 0 <= p_short ({p_short}) <= p_long <= 1"
            )
        if not 0.0 < weight <= 1.0:
            raise InvalidInput("weight", weight, "must be in (0, 1]")
        for name, value in (("max_names", max_names), ("rebalance", rebalance)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(name, value, "must be an int >= 1")
        if not (math.isfinite(edge_scale) and edge_scale >= 0.0):
            raise InvalidInput("edge_scale", edge_scale, "must be finite and >= 0")
        self.strategy_id = strategy_id
        self.predictor = predictor
        self.feature_set = feature_set
        #: What the run's manifest binds: the features read and the model used.
        self.feature_schema_hash = feature_set.schema_hash()
        self.model_hash = model_hash
        self.p_long, self.p_short = p_long, p_short
        self.weight, self.max_names, self.short = weight, max_names, short
        self.edge_scale, self.rebalance = edge_scale, rebalance
        self._online: OnlineFeatures | None = None
        self._seen = 0
        #: The probabilities of this timestamp's calls (empty when none were made):
        #: what the live staleness watch resolves against later closes.
        self.last_scores: dict[str, float] = {}

    def expected_edge_bps(self, probability: float) -> float:
        """``(2q - 1) * edge_scale * 1e4`` (module docstring)."""
        return (2.0 * probability - 1.0) * self.edge_scale * 1e4

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Returned:
        """Update the features; at a rebalance, the targets whose side changes."""
        self.last_scores = {}
        if self._online is None:
            self._online = self.feature_set.online(view.calendar)
        rows = self._online.step(
            timestamp_ns,
            {s: (b.open, b.high, b.low, b.close, b.volume) for s, b in bars.items()},
        )
        self._seen += 1
        if self._seen % self.rebalance:
            return None
        ready = [s for s in sorted(rows) if not np.isnan(rows[s]).any()]
        if not ready:
            return None
        probs = self.predictor.predict_proba(np.array([rows[s] for s in ready]))
        scored = {s: float(p) for s, p in zip(ready, probs, strict=True)}
        self.last_scores = scored
        return self._targets(scored, view, f"model@{timestamp_ns}")

    def _targets(
        self, scored: Mapping[str, float], view: MarketView, signal: str
    ) -> list[WeightTarget]:
        longs = sorted((-p, s) for s, p in scored.items() if p >= self.p_long)
        shorts = sorted((p, s) for s, p in scored.items() if p <= self.p_short)
        long_names = {s for _, s in longs[: self.max_names]}
        short_names = {s for _, s in shorts[: self.max_names]} if self.short else set()
        exits, entries = [], []
        for symbol, p in sorted(scored.items()):
            held = view.position(symbol)
            if symbol in long_names and held <= 0:
                entries.append(self._entry(symbol, self.weight, p, signal))
            elif symbol in short_names and held >= 0:
                entries.append(self._entry(symbol, -self.weight, 1.0 - p, signal))
            elif (held > 0 and p <= self.p_short) or (held < 0 and p >= self.p_long):
                exits.append(WeightTarget(symbol, 0.0, signal))
        # Exits first: their proceeds pay for the entries.
        return [*exits, *entries]

    def _entry(
        self, symbol: str, weight: float, probability: float, signal: str
    ) -> WeightTarget:
        return WeightTarget(
            symbol,
            weight,
            signal,
            expected_edge_bps=self.expected_edge_bps(probability),
            probability=min(max(probability, 0.0), 1.0),
        )
