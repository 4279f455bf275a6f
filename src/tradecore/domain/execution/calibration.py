"""The calibration loop: realised fills nudge the per-symbol impact coefficients.

Why bounded: a cost model that learns from its own fills can also learn nonsense from a
bad day (a halt, a fat finger, a data error). Each update is an EWMA step toward the
coefficient the fill implies, but the step is capped at a share of the current value
and the result is clamped to configured bounds, so no sequence of fills can push the
model outside them. A model that sits *at* a clamp, or has not been refitted for too
long, is stale: the risk gate then blocks new entries (``skipped(cost_model_stale)``).

Each calibration returns a new :class:`CostModelParams` naming the version it started
from and the execution ids it consumed, so the store can keep every version and a
replay can pin one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.cost_params import (
    CostModelParams,
    ImpactParams,
    string_tuple,
)
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.float_checks import finite, fraction, non_negative, positive

#: The outcome reason when the cost model is too old or pinned at a clamp.
COST_MODEL_STALE = "cost_model_stale"
_BPS = 1e4


@attrs.frozen(kw_only=True, slots=True)
class ParamBounds:
    """The closed interval a calibrated coefficient must stay in."""

    low: float = attrs.field(validator=positive)
    high: float = attrs.field(validator=positive)

    def __attrs_post_init__(self) -> None:
        if self.high <= self.low:
            raise InvalidInput("high", self.high, f"must be > low {self.low}")

    def clamp(self, value: float) -> float:
        """Return ``value`` moved into ``[low, high]``."""
        return min(self.high, max(self.low, value))

    def at_bound(self, value: float, tolerance: float = 1e-9) -> bool:
        """Return True when ``value`` sits on (or beyond) either bound."""
        return value <= self.low * (1 + tolerance) or value >= self.high * (
            1 - tolerance
        )


@attrs.frozen(kw_only=True, slots=True)
class CalibrationConfig:
    """How fast, how far and within what the coefficients may move."""

    eta_bounds: ParamBounds = ParamBounds(low=0.01, high=1.5)
    gamma_bounds: ParamBounds = ParamBounds(low=0.01, high=1.5)
    #: EWMA weight of one observation.
    smoothing: float = attrs.field(default=0.1, validator=fraction)
    #: Largest move per observation, as a share of the current value.
    max_step: float = attrs.field(default=0.25, validator=positive)
    max_age: timedelta = attrs.field(
        default=timedelta(days=5), validator=v.instance_of(timedelta)
    )


@attrs.frozen(kw_only=True, slots=True)
class ImpactObservation:
    """What one execution says about a symbol's impact coefficients."""

    symbol: str = attrs.field(validator=v.symbol)
    execution_ids: tuple[str, ...] = attrs.field(converter=string_tuple)
    #: Our filled quantity over the market volume while we traded.
    participation: float = attrs.field(validator=positive)
    #: Daily volatility of returns at the time.
    volatility: float = attrs.field(validator=positive)
    #: Measured temporary impact (execution cost less spread), bps of arrival notional.
    impact_bps: float = attrs.field(validator=finite)
    #: Our filled quantity over the ADV (for the permanent coefficient).
    size_over_adv: float = attrs.field(default=0.0, validator=non_negative)
    #: The signed post-trade move of the mid from arrival, bps (None: not measured).
    permanent_bps: float | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if not self.execution_ids:
            raise InvalidInput("execution_ids", (), "an observation needs its fills")
        if self.permanent_bps is not None and not math.isfinite(self.permanent_bps):
            raise InvalidInput("permanent_bps", self.permanent_bps, "must be finite")

    def implied_eta(self, beta: float) -> float:
        """Return the η that would have predicted this impact exactly."""
        return _ratio(
            self.impact_bps / _BPS, self.volatility * self.participation**beta
        )

    def implied_gamma(self) -> float | None:
        """Return the γ the post-trade move implies, or ``None`` if not measurable."""
        if self.permanent_bps is None or self.size_over_adv == 0.0:
            return None
        return _ratio(self.permanent_bps / _BPS, self.volatility * self.size_over_adv)


def _ratio(numerator: float, denominator: float) -> float:
    # A vanishing denominator implies an unbounded coefficient; the capped step
    # turns that into one maximal move instead of a ZeroDivisionError or a NaN.
    if numerator == 0.0:
        return 0.0
    if denominator == 0.0:
        return math.copysign(math.inf, numerator)
    return numerator / denominator


def observe_impact(
    analysis: ExecutionAnalysis,
    *,
    volatility: float,
    market_volume: float,
    adv: float,
    post_price: Decimal | None = None,
) -> ImpactObservation | None:
    """Turn one analysed execution into an observation (``None`` if nothing filled).

    ``market_volume`` is the volume traded in the market while the order worked;
    ``post_price`` is the mid some time after it finished (for the permanent part).

    Raises:
        InvalidInput: ``market_volume`` or ``adv`` is not > 0.
    """
    if analysis.filled_qty == 0:
        return None
    parent = analysis.execution
    if not market_volume > 0 or not adv > 0:
        raise InvalidInput("market_volume/adv", (market_volume, adv), "must be > 0")
    filled = float(analysis.filled_qty)
    arrival_notional = analysis.filled_qty * parent.arrival_price
    permanent = None
    if post_price is not None:
        move = (post_price - parent.arrival_price) / parent.arrival_price
        permanent = float(move) * parent.side.sign * _BPS
    return ImpactObservation(
        symbol=parent.symbol,
        execution_ids=tuple(f.execution_id for f in parent.fills),
        participation=filled / market_volume,
        volatility=volatility,
        impact_bps=float(analysis.impact_cost / arrival_notional) * _BPS,
        size_over_adv=filled / adv,
        permanent_bps=permanent,
    )


def bounded_ewma_step(
    current: float,
    observed: float,
    *,
    smoothing: float,
    max_step: float,
    bounds: ParamBounds,
) -> float:
    """Move ``current`` an EWMA step toward ``observed``, capped, then clamped.

    The cap is ``max_step · max(current, bounds.low)``, so a coefficient near zero can
    still move; ``observed`` may be ±inf (one maximal step) but not NaN.

    Raises:
        InvalidInput: ``observed`` is NaN.
    """
    if math.isnan(observed):
        raise InvalidInput("observed", observed, "must not be NaN")
    cap = max_step * max(abs(current), bounds.low)
    step = smoothing * (observed - current) if math.isfinite(observed) else observed
    return bounds.clamp(current + min(cap, max(-cap, step)))


def calibrate_impact(
    params: CostModelParams,
    observations: Iterable[ImpactObservation],
    config: CalibrationConfig,
) -> CostModelParams:
    """Return the next parameter version after ``observations``, in the given order.

    A symbol without its own coefficients starts from the default. With no
    observations the input version is returned unchanged.
    """
    per_symbol = dict(params.per_symbol)
    used: set[str] = set()
    for obs in observations:
        current = per_symbol.get(obs.symbol, params.default)
        per_symbol[obs.symbol] = _updated(current, obs, config)
        used.update(obs.execution_ids)
    if not used:
        return params
    return CostModelParams(
        default=params.default,
        per_symbol=per_symbol,
        fills_used=tuple(sorted(used)),
        parent_hash=params.version_hash,
    )


def _updated(
    current: ImpactParams, obs: ImpactObservation, config: CalibrationConfig
) -> ImpactParams:
    def step(value: float, observed: float, bounds: ParamBounds) -> float:
        return bounded_ewma_step(
            value,
            observed,
            smoothing=config.smoothing,
            max_step=config.max_step,
            bounds=bounds,
        )

    eta = step(current.eta, obs.implied_eta(current.beta), config.eta_bounds)
    implied_gamma = obs.implied_gamma()
    # Without a post-trade move γ is not re-estimated, only held inside its clamps.
    gamma = config.gamma_bounds.clamp(current.gamma)
    if implied_gamma is not None:
        gamma = step(current.gamma, implied_gamma, config.gamma_bounds)
    return ImpactParams(eta=eta, beta=current.beta, gamma=gamma)


@attrs.frozen(kw_only=True, slots=True)
class StalenessCheck:
    """Whether the cost model may still gate entries, and what is wrong if not."""

    details: tuple[str, ...]

    @property
    def stale(self) -> bool:
        """True when the model is too old or pinned at a clamp."""
        return bool(self.details)

    @property
    def reason(self) -> str | None:
        """``cost_model_stale`` when stale (the outcome reason code), else ``None``."""
        return COST_MODEL_STALE if self.details else None


def check_staleness(
    params: CostModelParams,
    *,
    fitted_at: datetime,
    now: datetime,
    config: CalibrationConfig,
) -> StalenessCheck:
    """Check a version's age and whether any calibrated coefficient sits at a clamp.

    Only per-symbol coefficients are checked: the default is configured, not fitted.

    Raises:
        InvalidInput: a timestamp is naive or not UTC.
    """
    _check_utc("fitted_at", fitted_at)
    _check_utc("now", now)
    details = []
    age = now - fitted_at
    if age > config.max_age:
        details.append(f"fitted {age} ago > max age {config.max_age}")
    for symbol, impact in params.per_symbol.items():
        for name, value, bounds in (
            ("eta", impact.eta, config.eta_bounds),
            ("gamma", impact.gamma, config.gamma_bounds),
        ):
            if bounds.at_bound(value):
                details.append(
                    f"{symbol} {name}={value:.6g} at clamp [{bounds.low}, {bounds.high}]"
                )
    return StalenessCheck(details=tuple(details))


def _check_utc(field: str, value: object) -> None:
    if not isinstance(value, datetime) or value.utcoffset() != timedelta(0):
        raise InvalidInput(field, value, "expected a UTC timestamp")
