"""Bayesian Kelly sizing: bet the Kelly fraction of what we can *prove*, not hope.

Why: the Kelly fraction ``f = p − (1 − p)/b`` is optimal for a known win rate p and
payoff ratio b, and ruinous when they are overestimated. Both are estimated here with
their uncertainty:

* the win rate has a Beta posterior (prior rate × strength as pseudo-counts, plus the
  observed wins and losses); the p Kelly sees is the lower end of its central credible
  interval (the 5% quantile at the default 90%), or, when a model gives a probability,
  that probability (isotonically calibrated) less the same downside margin;
* the payoff ratio (average win / average loss) is shrunk toward a prior, with weight
  growing only as both wins and losses accumulate, so a handful of trades cannot
  inflate it.

The result is floored at 0, scaled by the Kelly fraction (e.g. half-Kelly), the signal
strength and a volatility-regime multiplier, and capped (15% of equity by default).
It never decreases as p or b grow, and it shrinks as the posterior widens around the
same mean. (The last holds for unimodal posteriors, both Beta parameters >= 1: for a
J-shaped Beta the lower quantile is not monotone in the pseudo-count total. The
property tests check exactly that domain.)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import (
    fraction,
    non_negative,
    open_unit_interval,
    positive,
    require_between,
    require_finite,
    require_non_negative,
    require_positive,
)
from tradecore.domain.orders.money import ONE_SHARE, quantize_qty
from tradecore.domain.sizing.probability_calibration import IsotonicCalibrator

KELLY_NON_POSITIVE = "kelly_non_positive"
NO_SIGNAL = "no_signal"
REGIME_OFF = "regime_off"
CAPPED = "capped_at_max_fraction"
BELOW_ONE_LOT = "below_one_lot"


@attrs.frozen(kw_only=True, slots=True)
class KellyConfig:
    """Priors and limits of the sizing."""

    prior_win_rate: float = attrs.field(default=0.5, validator=open_unit_interval)
    #: Pseudo-trades the prior win rate is worth.
    prior_strength: float = attrs.field(default=20.0, validator=positive)
    credible_level: float = attrs.field(default=0.9, validator=open_unit_interval)
    kelly_fraction: float = attrs.field(default=0.5, validator=fraction)
    max_fraction: float = attrs.field(default=0.15, validator=fraction)
    prior_payoff: float = attrs.field(default=1.0, validator=positive)
    #: Pseudo-trades (of each kind) the prior payoff ratio is worth.
    payoff_prior_strength: float = attrs.field(default=20.0, validator=positive)


@attrs.frozen(kw_only=True, slots=True)
class SizingDecision:
    """Every number behind one sizing, and the reason for a cap or a zero."""

    raw_probability: float | None
    calibrated_probability: float | None
    conservative_probability: float
    posterior_mean: float
    interval_low: float
    interval_high: float
    payoff_ratio: float
    full_kelly: float
    kelly_fraction: float
    signal_strength: float
    regime_multiplier: float
    uncapped_fraction: float
    final_fraction: float
    max_fraction: float
    shares: Decimal
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        """Return the decision as JSON-able primitives for a decision record."""
        values = attrs.asdict(self, recurse=False)
        values["shares"] = str(self.shares)
        return values


def kelly_optimal_fraction(p: float, b: float) -> float:
    """Return ``max(0, p − (1 − p)/b)``: the growth-optimal bet for win rate p, payoff b.

    Raises:
        InvalidInput: ``p`` is outside [0, 1] or ``b`` is not > 0.
    """
    require_between("p", p, 0.0, 1.0)
    require_positive("b", b)
    return _kelly(p, b)


def _kelly(p: float, b: float) -> float:
    # The unchecked formula for the hot path, where p and b are already in range.
    return max(0.0, p - (1.0 - p) / b)


@functools.lru_cache(maxsize=16_384)
def beta_interval(a: float, b: float, level: float) -> tuple[float, float]:
    """Return the central ``level`` credible interval of Beta(a, b).

    Cached: the posterior only changes when an outcome arrives, while every decision
    asks for it, and ``beta.ppf`` costs tens of microseconds.
    """
    # scipy.stats takes about a second to import: pay it on first use, not on
    # ``import tradecore`` (CLI start-up, subprocess tests).
    from scipy.stats import beta as beta_distribution

    tail = (1.0 - level) / 2.0
    low, high = beta_distribution.ppf((tail, 1.0 - tail), a, b)
    return float(low), float(high)


def volatility_regime_multiplier(
    realized_volatility: float,
    target_volatility: float,
    *,
    floor: float = 0.0,
    ceiling: float = 1.0,
) -> float:
    """Return ``target/realized`` clipped to ``[floor, ceiling]``.

    Both volatilities must be point-in-time (e.g. an EWM volatility updated with bars
    up to the decision); in a turbulent regime the size shrinks in proportion.

    Raises:
        InvalidInput: a volatility is not > 0 or the bounds are inverted.
    """
    realized = require_positive("realized_volatility", realized_volatility)
    target = require_positive("target_volatility", target_volatility)
    if require_non_negative("floor", floor) > require_finite("ceiling", ceiling):
        raise InvalidInput("floor", floor, f"must be <= ceiling {ceiling}")
    return min(ceiling, max(floor, target / realized))


def _count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(attribute.name, value, "expected an int >= 0")


@attrs.frozen(kw_only=True, slots=True)
class BayesianKelly:
    """A strategy's sizing state: the posterior over its win rate and its payoffs."""

    config: KellyConfig = attrs.field(
        factory=KellyConfig, validator=v.instance_of(KellyConfig)
    )
    wins: int = attrs.field(default=0, validator=_count)
    losses: int = attrs.field(default=0, validator=_count)
    #: Sum of winning trade returns, and of the magnitudes of losing ones.
    win_total: float = attrs.field(default=0.0, validator=non_negative)
    loss_total: float = attrs.field(default=0.0, validator=non_negative)
    calibrator: IsotonicCalibrator | None = None

    @property
    def alpha(self) -> float:
        """The Beta posterior's first parameter (prior pseudo-wins + wins)."""
        c = self.config
        return c.prior_win_rate * c.prior_strength + self.wins

    @property
    def beta(self) -> float:
        """The Beta posterior's second parameter (prior pseudo-losses + losses)."""
        c = self.config
        return (1.0 - c.prior_win_rate) * c.prior_strength + self.losses

    @property
    def posterior_mean(self) -> float:
        """The posterior mean win rate."""
        return self.alpha / (self.alpha + self.beta)

    def credible_interval(self) -> tuple[float, float]:
        """Return the central credible interval at the configured level."""
        return beta_interval(self.alpha, self.beta, self.config.credible_level)

    def payoff_ratio(self) -> float:
        """Return b: the observed average win / average loss, shrunk to the prior.

        The observed ratio gets weight ``n/(n + n0)`` with ``n`` the smaller of the
        win and loss counts (a ratio needs both) and ``n0`` the prior strength.
        """
        c = self.config
        n = min(self.wins, self.losses)
        if n == 0 or self.loss_total <= 0.0:
            return c.prior_payoff
        observed = (self.win_total / self.wins) / (self.loss_total / self.losses)
        weight = n / (n + c.payoff_prior_strength)
        return weight * observed + (1.0 - weight) * c.prior_payoff

    def update(self, trade_return: float) -> BayesianKelly:
        """Return the state after one closed trade's return (> 0 a win, < 0 a loss).

        A return of exactly zero is a scratch and changes nothing.

        Raises:
            InvalidInput: the return is not finite.
        """
        r = require_finite("trade_return", trade_return)
        if r > 0:
            return attrs.evolve(self, wins=self.wins + 1, win_total=self.win_total + r)
        if r < 0:
            return attrs.evolve(
                self, losses=self.losses + 1, loss_total=self.loss_total - r
            )
        return self

    def update_all(self, trade_returns: Iterable[float]) -> BayesianKelly:
        """Return the state after a sequence of closed trades, in order."""
        state = self
        for r in trade_returns:
            state = state.update(r)
        return state

    def with_calibrator(self, calibrator: IsotonicCalibrator | None) -> BayesianKelly:
        """Return the state using ``calibrator`` for model probabilities."""
        return attrs.evolve(self, calibrator=calibrator)

    def decide(
        self,
        *,
        equity: Decimal,
        price: Decimal,
        signal_strength: float = 1.0,
        regime_multiplier: float = 1.0,
        model_probability: float | None = None,
        lot: Decimal = ONE_SHARE,
    ) -> SizingDecision:
        """Size one position as a fraction of ``equity`` and in shares at ``price``.

        Raises:
            InvalidInput: equity or price is not a Decimal > 0, the signal strength is
                outside [0, 1], the regime multiplier is negative, or the model
                probability is outside [0, 1].
        """
        _check_money("equity", equity)
        _check_money("price", price)
        strength = require_between("signal_strength", signal_strength, 0.0, 1.0)
        regime = require_non_negative("regime_multiplier", regime_multiplier)
        low, high = self.credible_interval()
        mean = self.posterior_mean
        calibrated = self._calibrated(model_probability)
        p = _conservative(calibrated, mean, low)
        b = self.payoff_ratio()
        full = _kelly(p, b)
        cfg = self.config
        uncapped = full * cfg.kelly_fraction * strength * regime
        final = min(uncapped, cfg.max_fraction)
        shares = quantize_qty(Decimal(repr(final)) * equity / price, lot)
        return SizingDecision(
            raw_probability=model_probability,
            calibrated_probability=calibrated,
            conservative_probability=p,
            posterior_mean=mean,
            interval_low=low,
            interval_high=high,
            payoff_ratio=b,
            full_kelly=full,
            kelly_fraction=cfg.kelly_fraction,
            signal_strength=strength,
            regime_multiplier=regime,
            uncapped_fraction=uncapped,
            final_fraction=final,
            max_fraction=cfg.max_fraction,
            shares=shares,
            reason=_reason(full, strength, regime, uncapped, final, shares),
        )

    def _calibrated(self, model_probability: float | None) -> float | None:
        if model_probability is None:
            return None
        p = require_between("model_probability", model_probability, 0.0, 1.0)
        return p if self.calibrator is None else self.calibrator.calibrate(p)


def _conservative(calibrated: float | None, mean: float, low: float) -> float:
    # Without a model, the posterior's lower bound; with one, the model's calibrated
    # probability less the posterior's downside margin (mean - lower bound).
    if calibrated is None:
        return low
    return min(1.0, max(0.0, calibrated - (mean - low)))


def _check_money(field: str, value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidInput(field, value, "must be a Decimal > 0")


def _reason(
    full: float,
    strength: float,
    regime: float,
    uncapped: float,
    final: float,
    shares: Decimal,
) -> str | None:
    if full <= 0.0:
        return KELLY_NON_POSITIVE
    if strength == 0.0:
        return NO_SIGNAL
    if regime == 0.0:
        return REGIME_OFF
    if shares == 0:
        return BELOW_ONE_LOT
    if uncapped > final:
        return CAPPED
    return None
