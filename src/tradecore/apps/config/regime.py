"""The ``[regime]`` section: a regime model fitted on past bars only, and what it
changes in decisions (off unless ``enabled``).

    [regime]
    enabled = true
    states = 2
    refit = "session"          # or a bar count: "390"
    multipliers = [1.0, 0.5]   # Kelly size per state, calmest first
    passive_above = 0.7        # P(high vol) above which execution turns passive
    breaker_probability = 0.8  # P(high vol) above which, for breaker_bars bars,
    breaker_bars = 30          # the regime breaker moves trading to REDUCING

See docs/regimes.md. The model's keys are the ``regime`` feature kind's
(:class:`~tradecore.domain.regimes.config.RegimeModelConfig`).
"""

from __future__ import annotations

from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.config import RegimeModelConfig, parse_refit
from tradecore.domain.risk.breakers.regime import RegimeBreakerConfig


def _unit(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise InvalidInput(f"regime.{attribute.name}", value, "must be in [0, 1]")


def _refit(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    parse_refit(value)


def _int_at_least(minimum: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInput(
                f"regime.{attribute.name}", value, f"expected an integer >= {minimum}"
            )

    return check


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInput(f"regime.{attribute.name}", value, "expected a number > 0")


def _non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(f"regime.{attribute.name}", value, "expected a number >= 0")


def _multipliers(value: Any) -> tuple[float, ...]:
    return tuple(float(m) for m in value)


@attrs.frozen(kw_only=True)
class RegimeSettings:
    """A past-only Gaussian HMM per symbol, and its effect on decisions."""

    #: Fit regimes and let them change decisions (``multipliers``,
    #: ``passive_above``); off, nothing below is used.
    enabled: bool = False
    #: How many regimes (state 0 = the calmest).
    states: int = attrs.field(default=2, validator=_int_at_least(2))
    #: Bars of realised volatility in each observation.
    vol_window: int = attrs.field(default=20, validator=_int_at_least(2))
    #: Refit each "session" or every N bars ("390").
    refit: str = attrs.field(default="session", validator=_refit)
    #: Observations a fit sees: 0 for all of them (expanding), else the last N.
    window: int = attrs.field(default=0, validator=_int_at_least(0))
    #: Observations before the first fit (no regime reading until then).
    min_history: int = attrs.field(default=200, validator=_int_at_least(10))
    #: The fits' random_state.
    seed: int = attrs.field(default=7, validator=_int_at_least(0))
    #: EM's iteration cap and convergence tolerance.
    n_iter: int = attrs.field(default=50, validator=_int_at_least(1))
    #: EM stops once the log-likelihood gains less than this per iteration.
    tol: float = attrs.field(default=1e-4, validator=_positive)
    #: The fitting library ("hmmlearn": pip install 'tradecore[regimes]').
    fitter: str = "hmmlearn"
    #: Kelly sizing multiplier per state, calmest first, weighted by the filtered
    #: probabilities (empty: sizing unchanged).
    multipliers: tuple[float, ...] = attrs.field(default=(), converter=_multipliers)
    #: Execution turns passive (limit at the near touch, participation cap cut)
    #: above this P(most volatile state).
    passive_above: float = attrs.field(default=0.7, validator=_unit)
    #: The regime breaker trips above this P(most volatile state) held for
    #: ``breaker_bars`` bars (0: no regime breaker).
    breaker_probability: float = attrs.field(default=0.0, validator=_unit)
    breaker_bars: int = attrs.field(default=30, validator=_int_at_least(1))
    #: Seconds the condition must stay clear before the breaker may recover.
    breaker_quiet_period_s: float = attrs.field(default=900.0, validator=_non_negative)

    def model_config(self) -> RegimeModelConfig:
        """The model's fitting choices.

        Raises:
            InvalidInput: a value out of range (names the key).
        """
        return RegimeModelConfig(
            states=self.states,
            vol_window=self.vol_window,
            refit=self.refit,
            window=self.window,
            min_history=self.min_history,
            seed=self.seed,
            n_iter=self.n_iter,
            tol=self.tol,
        )

    def breaker_config(self) -> RegimeBreakerConfig | None:
        """The regime breaker's config (``None``: not configured)."""
        if not self.breaker_probability:
            return None
        return RegimeBreakerConfig(
            probability=self.breaker_probability,
            bars=self.breaker_bars,
            quiet_period_s=self.breaker_quiet_period_s,
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-able (a replay's config, so its hash and manifest)."""
        values = attrs.asdict(self)
        values["multipliers"] = list(self.multipliers)
        return values
