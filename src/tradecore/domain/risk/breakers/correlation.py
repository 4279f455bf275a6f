"""Correlation breakdown: the portfolio's symbols start moving as one.

Diversification is what keeps a book of many positions from behaving like one big
bet; when pairwise correlations jump (a market-wide shock, a crowded factor) the
position and exposure limits, set per symbol, understate the risk. Two measures over
a rolling window of bar log returns, computed with numpy:

* the mean pairwise correlation, against its own slowly adapting baseline (an
  exponentially weighted mean of past measurements, so a lasting new regime is
  eventually accepted and the condition clears);
* optionally, the share of variance explained by the first principal component of
  the correlation matrix (its largest eigenvalue over the number of symbols).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.breakers.base import Breaker
from tradecore.domain.risk.breakers.latch import BreakerConfig, BreakerReading, Inputs


def _unit_interval(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    v.finite_float(instance, attribute, value)
    assert isinstance(value, float | int)
    if not 0.0 < value <= 1.0:
        raise InvalidInput(attribute.name, value, "must be in (0, 1]")


def _at_least(minimum: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInput(attribute.name, value, f"must be an int >= {minimum}")

    return check


@attrs.frozen(kw_only=True, slots=True)
class CorrelationConfig(BreakerConfig):
    """Trip when the mean pairwise correlation rises more than ``max_rise`` over its
    baseline, or (if set) the first principal component explains more than
    ``max_pc1_share`` of the variance.

    Attributes:
        window: bars of returns per measurement.
        baseline_alpha: weight of each new measurement in the baseline.
        every: measure every this many cross-sections (the eigen-decomposition is
            the costly part).
        min_symbols: a cross-section with fewer symbols is not measured; the
            universe is fixed by the first with at least this many.
    """

    max_rise: float = attrs.field(default=0.3, validator=_unit_interval)
    max_pc1_share: float | None = attrs.field(default=None, validator=_unit_interval)
    window: int = attrs.field(default=60, validator=_at_least(3))
    baseline_alpha: float = attrs.field(default=0.01, validator=_unit_interval)
    every: int = attrs.field(default=1, validator=_at_least(1))
    min_symbols: int = attrs.field(default=2, validator=_at_least(2))


class CorrelationBreaker(Breaker):
    """Mean pairwise correlation and first-PC share over a rolling return window.

    The universe is fixed by the first cross-section with at least ``min_symbols``
    symbols (sorted); a cross-section missing any of them is skipped.
    """

    name = "correlation"

    def __init__(self, config: CorrelationConfig) -> None:
        """Measure over ``config.window`` bars."""
        super().__init__(config)
        self._cfg = config
        self._symbols: tuple[str, ...] = ()
        self._previous: np.ndarray | None = None
        self._returns: np.ndarray = np.empty((0, 0))
        self._filled = 0
        self._since_measure = 0
        self._baseline: float | None = None
        self._last: Inputs = {"mean_correlation": "nan"}
        self._breached = False

    def update(self, at: datetime, closes: Mapping[str, float]) -> BreakerReading:
        """Take one cross-section of closes (all symbols at the same bar time)."""
        prices = self._aligned(closes)
        if prices is not None:
            if self._previous is not None:
                self._push(np.log(prices / self._previous))
            self._previous = prices
        return self.tick(at)

    def _condition(self, at: datetime) -> tuple[bool, Inputs]:
        return self._breached, self._last

    def _aligned(self, closes: Mapping[str, float]) -> np.ndarray | None:
        if not self._symbols:
            if len(closes) < self._cfg.min_symbols:
                return None
            self._symbols = tuple(sorted(closes))
            self._returns = np.zeros((self._cfg.window, len(self._symbols)))
        if any(s not in closes for s in self._symbols):
            return None
        return np.array([closes[s] for s in self._symbols], dtype=np.float64)

    def _push(self, returns: np.ndarray) -> None:
        self._returns = np.roll(self._returns, -1, axis=0)
        self._returns[-1] = returns
        self._filled = min(self._filled + 1, self._cfg.window)
        self._since_measure += 1
        if self._filled == self._cfg.window and self._since_measure >= self._cfg.every:
            self._since_measure = 0
            self._measure()

    def _measure(self) -> None:
        mean, pc1 = correlation_measures(self._returns)
        if math.isnan(mean):
            return  # a flat symbol in the window: nothing to judge on
        baseline = mean if self._baseline is None else self._baseline
        cfg = self._cfg
        rise = mean - baseline
        too_one = cfg.max_pc1_share is not None and pc1 > cfg.max_pc1_share
        self._breached = rise > cfg.max_rise or too_one
        self._last = {
            "mean_correlation": f"{mean:.4f}",
            "baseline": f"{baseline:.4f}",
            "rise": f"{rise:.4f}",
            "max_rise": str(cfg.max_rise),
            "pc1_share": f"{pc1:.4f}",
            "max_pc1_share": str(cfg.max_pc1_share),
            "symbols": ",".join(self._symbols),
        }
        self._baseline = baseline + cfg.baseline_alpha * (mean - baseline)


def correlation_measures(returns: np.ndarray) -> tuple[float, float]:
    """Return (mean pairwise correlation, first-PC share) of a bars x symbols matrix.

    NaN for both when a column has zero variance (its correlation is undefined).
    """
    k = returns.shape[1]
    if np.any(returns.std(axis=0) == 0.0):
        return math.nan, math.nan
    corr = np.corrcoef(returns, rowvar=False)
    mean = float((corr.sum() - k) / (k * (k - 1)))
    largest = float(np.linalg.eigvalsh(corr)[-1])
    return mean, largest / k
