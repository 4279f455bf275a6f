"""One sleeve's wishes -> signed weights of gross one, by the chosen method.

Every method keeps the *side* the strategy asked for (the sign of its share count,
weight or score) and decides only *how much* of each symbol, except ``RANK``, which
re-derives the sides from the cross-section:

* equal weight: ``|w_i| = 1/n``;
* inverse volatility: ``|w_i| ∝ 1/sigma_i``;
* risk parity: equal risk contributions on the sign-adjusted covariance ``SCS``
  (a short leg hedges, so its risk is measured as held) -- :mod:`.risk_parity`;
* HRP on ``SCS`` -- :mod:`.hrp`;
* mean-variance -- :mod:`.mean_variance`;
* rank: the average cross-sectional rank of each symbol's signal (ties share their
  mean rank), demeaned, scaled to gross one; so the sleeve is long its top half and
  short its bottom half, dollar-neutral. Across sleeves the allocator then averages
  these demeaned ranks with the budgets as weights -- a budget-weighted Borda count
  (de Borda 1781; rank-averaging of alphas as in Grinold & Kahn, "Active Portfolio
  Management", 2nd ed., ch. 14).

Without enough history for a covariance the risk-based methods fall back to equal
weight, and say so.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio import covariance as cov
from tradecore.domain.portfolio.hrp import hrp_weights
from tradecore.domain.portfolio.inputs import (
    EstimationConfig,
    FloatArray,
    MarketInputs,
    Method,
    SignalKind,
    Sleeve,
)
from tradecore.domain.portfolio.mean_variance import mean_variance_weights
from tradecore.domain.portfolio.risk_parity import risk_budget_weights

_NEEDS_RISK = (
    Method.INVERSE_VOL,
    Method.RISK_PARITY,
    Method.HRP,
    Method.MEAN_VARIANCE,
)


@attrs.frozen(slots=True)
class SleeveWeights:
    """A sleeve's signed weights (gross one, or empty when it wants nothing), the
    method actually used and why it differs from the one asked for."""

    strategy: str
    weights: tuple[tuple[str, float], ...]
    method_used: Method
    fallback: str = ""


def raw_signals(
    sleeve: Sleeve, prices: dict[str, Decimal], equity: Decimal
) -> dict[str, float]:
    """The sleeve's signals as numbers (shares become weights at the price)."""
    if sleeve.kind is SignalKind.SHARES:
        return {
            symbol: float(Decimal(str(qty)) * prices[symbol] / equity)
            for symbol, qty in sleeve.signals
        }
    return dict(sleeve.signals)


def average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks, ties sharing their mean rank (as ``scipy.stats.rankdata``)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def rank_weights(signals: dict[str, float]) -> dict[str, float]:
    """Demeaned ranks scaled to gross one (empty when every rank is the mean)."""
    symbols = sorted(signals)
    ranks = average_ranks(np.array([signals[s] for s in symbols]))
    centred = ranks - ranks.mean()
    gross = float(np.abs(centred).sum())
    if gross == 0.0:
        return {}
    return {s: float(c / gross) for s, c in zip(symbols, centred, strict=True) if c}


def sleeve_weights(
    sleeve: Sleeve, method: Method, market: MarketInputs, config: EstimationConfig
) -> SleeveWeights:
    """The sleeve's weights under ``method`` (see the module docstring)."""
    signals = raw_signals(sleeve, dict(market.prices), market.equity)
    if method is Method.RANK:
        ranked = rank_weights(signals)
        return SleeveWeights(sleeve.strategy, tuple(sorted(ranked.items())), method)
    active = sorted(s for s, x in signals.items() if x != 0.0)
    if not active:
        return SleeveWeights(sleeve.strategy, (), method)
    signs = np.array([np.sign(signals[s]) for s in active])
    fallback = ""
    if method in _NEEDS_RISK:
        sized, fallback = _risk_sized(active, signs, method, market, config)
    else:
        sized = np.full(len(active), 1.0 / len(active)) * signs
    used = Method.EQUAL_WEIGHT if fallback else method
    pairs = tuple((s, float(w)) for s, w in zip(active, sized, strict=True) if w)
    return SleeveWeights(sleeve.strategy, pairs, used, fallback)


def _risk_sized(
    active: list[str],
    signs: FloatArray,
    method: Method,
    market: MarketInputs,
    config: EstimationConfig,
) -> tuple[FloatArray, str]:
    equal = np.full(len(active), 1.0 / len(active)) * signs
    columns = [market.symbols.index(s) for s in active]
    estimate, reason = cov.estimate(market.returns, columns, config)
    if estimate is None:
        return equal, reason
    covariance = estimate.covariance * np.outer(signs, signs)
    try:
        if method is Method.INVERSE_VOL:
            inverse = 1.0 / np.sqrt(np.diag(covariance))
            return signs * inverse / inverse.sum(), ""
        if method is Method.RISK_PARITY:
            return signs * risk_budget_weights(covariance), ""
        if method is Method.HRP:
            return signs * hrp_weights(covariance), ""
        expected = dict(market.expected_returns)
        mu = np.array([expected.get(s, 0.0) for s in active])
        return (
            mean_variance_weights(estimate.covariance, mu, signs, config.risk_aversion),
            "",
        )
    except InvalidInput as error:
        return equal, f"{method.value}_failed: {error.reason}"
