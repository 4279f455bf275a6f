"""The execution-policy selector: how to work an order, and whether it is worth it.

Why: the same signal can be cheap or ruinous to act on depending on the spread, the
liquidity, the urgency and how far the data can be trusted. The selector turns those
features into one of four styles with its parameters, prices the result with the
cost model, and refuses the trade when the expected cost exceeds the expected edge
(``skipped(cost_exceeds_edge)``). Every choice carries the features it used and
sentences saying why, for the decision record and the report.

Default rules, in order (thresholds in :class:`PolicyThresholds`):

1. An order above ``schedule_above_participation`` of the volume expected in the next
   ``immediate_minutes`` is *scheduled*: TWAP over the Almgren–Chriss horizon, or POV
   when the participation cap cannot finish it inside the urgency window or volume is
   well below its usual level. Degraded data, a wide spread or a high-volatility
   regime (P above ``passive_high_vol_probability``) halves the cap.
2. Otherwise a single limit order: degraded provenance, a wide spread or a
   high-volatility regime → passive;
   urgent with a tight spread → marketable; anything else → passive.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.almgren_chriss import (
    almgren_chriss_kappa,
    completion_time,
)
from tradecore.domain.execution.cost_model import (
    SESSION_MINUTES,
    CostEstimate,
    CostModel,
    MarketContext,
    PlannedOrder,
)
from tradecore.domain.float_checks import (
    fraction,
    non_negative,
    open_unit_interval,
    positive,
    require_finite,
    require_positive,
    unit_interval,
)
from tradecore.domain.market.bars import Provenance
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.spec import Side

#: The outcome reason when the expected cost exceeds the expected edge.
COST_EXCEEDS_EDGE = "cost_exceeds_edge"
DEGRADED_PROVENANCES = frozenset({Provenance.IEX, Provenance.DELAYED_SIP})


class ExecutionPolicy(enum.StrEnum):
    """The execution styles the selector chooses between."""

    PASSIVE_LIMIT = "passive_limit"
    MARKETABLE_LIMIT = "marketable_limit"
    TWAP = "twap"
    POV = "pov"


@attrs.frozen(kw_only=True, slots=True)
class PolicyThresholds:
    """The selector's configurable thresholds (bps, minutes, shares of volume)."""

    wide_spread_bps: float = attrs.field(default=25.0, validator=non_negative)
    tight_spread_bps: float = attrs.field(default=8.0, validator=non_negative)
    urgent_minutes: float = attrs.field(default=30.0, validator=non_negative)
    immediate_minutes: float = attrs.field(default=5.0, validator=positive)
    schedule_above_participation: float = attrs.field(default=0.05, validator=fraction)
    participation_cap: float = attrs.field(default=0.10, validator=fraction)
    cautious_cap_factor: float = attrs.field(default=0.5, validator=fraction)
    pov_below_liquidity: float = attrs.field(default=0.5, validator=non_negative)
    slice_minutes: float = attrs.field(default=5.0, validator=positive)
    max_slices: int = attrs.field(default=78, validator=v.instance_of(int))
    marketable_buffer_bps: float = attrs.field(default=2.0, validator=non_negative)
    #: Almgren–Chriss λ, per dollar.
    risk_aversion: float = attrs.field(default=1e-6, validator=non_negative)
    #: The horizon is when the AC schedule has done this share of the order.
    completion: float = attrs.field(default=0.95, validator=open_unit_interval)
    schedule_spread_paid: float = attrs.field(default=0.5, validator=unit_interval)
    degraded_provenances: frozenset[Provenance] = DEGRADED_PROVENANCES
    #: Above this P(high-volatility regime) the selector is cautious (passive, cap
    #: cut) like on a degraded feed; only when a regime reading is given.
    passive_high_vol_probability: float = attrs.field(
        default=0.7, validator=unit_interval
    )

    def __attrs_post_init__(self) -> None:
        if self.tight_spread_bps > self.wide_spread_bps:
            raise InvalidInput(
                "tight_spread_bps", self.tight_spread_bps, "must be <= wide_spread_bps"
            )
        if self.max_slices < 2:
            raise InvalidInput("max_slices", self.max_slices, "must be >= 2")


@attrs.frozen(kw_only=True, slots=True)
class PolicyChoice:
    """The selected style, its parameters, its expected cost, and why.

    ``limit_offset_bps`` is relative to the mid in the paying direction (a buy limit
    at ``mid·(1 + offset/10⁴)``); negative rests inside the book. ``skip_reason`` is
    set when the trade should not be made at all.
    """

    policy: ExecutionPolicy
    limit_offset_bps: float | None
    participation_cap: float | None
    slices: int
    horizon_minutes: float
    cost: CostEstimate
    expected_edge_bps: float | None
    skip_reason: str | None
    features: Mapping[str, float | str]
    reasons: tuple[str, ...]

    @property
    def trade(self) -> bool:
        """True unless the selector decided not to trade."""
        return self.skip_reason is None

    def to_dict(self) -> dict[str, object]:
        """Return the choice as JSON-able primitives for a decision record."""
        return {
            "policy": self.policy.value,
            "limit_offset_bps": self.limit_offset_bps,
            "participation_cap": self.participation_cap,
            "slices": self.slices,
            "horizon_minutes": self.horizon_minutes,
            "cost": self.cost.to_dict(),
            "expected_edge_bps": self.expected_edge_bps,
            "skip_reason": self.skip_reason,
            "features": dict(self.features),
            "reasons": list(self.reasons),
        }


@attrs.frozen(slots=True)
class _Plan:
    policy: ExecutionPolicy
    limit_offset_bps: float | None
    participation_cap: float | None
    slices: int
    horizon_minutes: float
    spread_paid: float
    reasons: tuple[str, ...]


def limit_price(side: Side, mid: float, offset_bps: float) -> Decimal:
    """Return the tick-rounded limit ``offset_bps`` from ``mid`` in the paying direction.

    Raises:
        InvalidInput: the resulting price is not > 0.
    """
    return to_price(mid * (1.0 + side.sign * offset_bps / 1e4), "limit_price")


@attrs.frozen(kw_only=True, slots=True)
class ExecutionPolicySelector:
    """Choose an execution style for an order and gate it on expected cost vs edge."""

    cost_model: CostModel = attrs.field(
        factory=CostModel, validator=v.instance_of(CostModel)
    )
    thresholds: PolicyThresholds = attrs.field(
        factory=PolicyThresholds, validator=v.instance_of(PolicyThresholds)
    )

    def select(
        self,
        *,
        side: Side,
        qty: Decimal,
        market: MarketContext,
        urgency_minutes: float,
        expected_edge_bps: float | None = None,
        regime_high_vol: float | None = None,
    ) -> PolicyChoice:
        """Choose how to trade ``qty`` of ``market.symbol`` and whether to trade at all.

        ``urgency_minutes`` is how long the signal stays useful: the smaller of its
        half-life and the time to the close. ``regime_high_vol`` is the filtered
        probability of the most volatile regime (``None``: no regime model); above
        ``passive_high_vol_probability`` the order is worked cautiously (passive
        limit, participation cap cut) as on a degraded feed.

        Raises:
            InvalidInput: ``qty`` or ``urgency_minutes`` is not > 0, or the edge is
                not finite.
        """
        urgency = require_positive("urgency_minutes", urgency_minutes)
        if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0:
            raise InvalidInput("qty", qty, "must be a Decimal > 0")
        if expected_edge_bps is not None:
            require_finite("expected_edge_bps", expected_edge_bps)
        t = self.thresholds
        shares = float(qty)
        immediate = shares / market.volume_over(t.immediate_minutes)
        cautious = self._caution(market) + self._regime_caution(regime_high_vol)
        if immediate > t.schedule_above_participation:
            plan = self._schedule(shares, market, urgency, cautious, immediate)
        else:
            plan = self._single(market, urgency, cautious)
        order = PlannedOrder(
            symbol=market.symbol,
            side=side,
            qty=qty,
            horizon_minutes=plan.horizon_minutes,
            spread_paid=plan.spread_paid,
        )
        cost = self.cost_model.estimate(order, market)
        skip, gate_reason = _gate(cost.total_bps, expected_edge_bps)
        features: dict[str, float | str] = {
            "qty": shares,
            "price": market.price,
            "adv": market.adv,
            "spread_bps": market.spread_bps,
            "volatility": market.volatility,
            "liquidity_ratio": market.liquidity_ratio,
            "provenance": market.provenance.value,
            "urgency_minutes": urgency,
            "participation_immediate": immediate,
        }
        if regime_high_vol is not None:
            features["regime_high_vol"] = regime_high_vol
        return PolicyChoice(
            policy=plan.policy,
            limit_offset_bps=plan.limit_offset_bps,
            participation_cap=plan.participation_cap,
            slices=plan.slices,
            horizon_minutes=plan.horizon_minutes,
            cost=cost,
            expected_edge_bps=expected_edge_bps,
            skip_reason=skip,
            features=features,
            reasons=(*cautious, *plan.reasons, gate_reason),
        )

    def _caution(self, market: MarketContext) -> tuple[str, ...]:
        t = self.thresholds
        reasons = []
        if market.provenance in t.degraded_provenances:
            reasons.append(f"data provenance {market.provenance.value} is degraded")
        if market.spread_bps > t.wide_spread_bps:
            reasons.append(
                f"spread {market.spread_bps:.1f} bps > wide {t.wide_spread_bps:.1f} bps"
            )
        return tuple(reasons)

    def _regime_caution(self, high_vol: float | None) -> tuple[str, ...]:
        limit = self.thresholds.passive_high_vol_probability
        if high_vol is None or not high_vol > limit:
            return ()
        return (f"high-volatility regime (P {high_vol:.2f} > {limit:.2f})",)

    def _single(
        self, market: MarketContext, urgency: float, cautious: tuple[str, ...]
    ) -> _Plan:
        t = self.thresholds
        half = market.spread_bps / 2.0
        minutes = t.immediate_minutes
        if cautious:
            why = "less aggression: passive limit at the near touch"
        elif urgency <= t.urgent_minutes and market.spread_bps <= t.tight_spread_bps:
            why = (
                f"urgent ({urgency:.0f} min <= {t.urgent_minutes:.0f} min) and tight "
                f"spread ({market.spread_bps:.1f} bps <= {t.tight_spread_bps:.1f} bps)"
                ": marketable limit"
            )
            offset = half + t.marketable_buffer_bps
            return _Plan(
                ExecutionPolicy.MARKETABLE_LIMIT, offset, None, 1, minutes, 1.0, (why,)
            )
        else:
            why = (
                f"not urgent enough to cross (urgency {urgency:.0f} min, spread "
                f"{market.spread_bps:.1f} bps): passive limit at the near touch"
            )
        return _Plan(
            ExecutionPolicy.PASSIVE_LIMIT, -half, None, 1, minutes, 0.0, (why,)
        )

    def _schedule(
        self,
        shares: float,
        market: MarketContext,
        urgency: float,
        cautious: tuple[str, ...],
        immediate: float,
    ) -> _Plan:
        t = self.thresholds
        cap = t.participation_cap * (t.cautious_cap_factor if cautious else 1.0)
        window = max(urgency, t.slice_minutes)
        needed = shares / (cap * market.volume_per_minute())
        ac_horizon = self._ac_horizon(shares, market, window)
        horizon = max(needed, ac_horizon)
        size = (
            f"{immediate:.1%} of {t.immediate_minutes:.0f}-min volume > "
            f"{t.schedule_above_participation:.1%}: schedule at <= {cap:.1%} "
            "participation"
        )
        if needed > window:
            policy = ExecutionPolicy.POV
            why = (
                f"the cap needs {needed:.0f} min > urgency window {window:.0f} min: "
                "follow volume (POV)"
            )
        elif market.liquidity_ratio < t.pov_below_liquidity:
            policy = ExecutionPolicy.POV
            why = (
                f"volume at {market.liquidity_ratio:.2f}x usual < "
                f"{t.pov_below_liquidity:.2f}x: follow volume (POV)"
            )
        else:
            policy = ExecutionPolicy.TWAP
            why = f"Almgren-Chriss horizon {ac_horizon:.0f} min: TWAP"
        slices = min(t.max_slices, max(2, math.ceil(horizon / t.slice_minutes)))
        return _Plan(
            policy, None, cap, slices, horizon, t.schedule_spread_paid, (size, why)
        )

    def _ac_horizon(self, shares: float, market: MarketContext, window: float) -> float:
        # Linearise the power-law impact at the average rate over the window (a
        # secant), then ask AC when the optimal schedule has done `completion`.
        t = self.thresholds
        impact = self.cost_model.params.for_symbol(market.symbol)
        tau = min(t.slice_minutes, window)
        rate = shares / window
        participation = rate / market.volume_per_minute()
        per_share = (
            market.price * impact.eta * market.volatility * (participation**impact.beta)
        )
        eta = per_share / rate
        if eta <= 0.0:
            return tau  # no temporary impact: nothing is gained by waiting
        gamma = market.price * impact.gamma * market.volatility / market.adv
        eta_tilde = max(eta - gamma * tau / 2.0, eta / 2.0)
        sigma = market.price * market.volatility / math.sqrt(SESSION_MINUTES)
        kappa = almgren_chriss_kappa(tau, sigma, eta_tilde, t.risk_aversion)
        return completion_time(kappa, window, 1.0 - t.completion)


def _gate(cost_bps: float, edge_bps: float | None) -> tuple[str | None, str]:
    if edge_bps is None:
        return None, f"expected cost {cost_bps:.1f} bps (no edge given: not gated)"
    if cost_bps > edge_bps:
        return COST_EXCEEDS_EDGE, (
            f"expected cost {cost_bps:.1f} bps > expected edge {edge_bps:.1f} bps: "
            "no trade"
        )
    return None, f"expected cost {cost_bps:.1f} bps <= expected edge {edge_bps:.1f} bps"
