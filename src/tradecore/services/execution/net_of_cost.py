"""Net-of-cost decisions: size with Bayesian Kelly, price the order, pick its style.

Why a service of its own: the engine's pipeline stays "target -> risk -> intent ->
place"; this planner sits between target and risk and answers, for one target, what
to ask for and how. It

* sizes the position with :class:`BayesianKelly` when the target carries a model
  probability or a signal strength (the sign of ``target.qty`` is the direction),
  its posterior updated by each closed round trip and its model probabilities
  mapped through an isotonic calibrator refitted on (probability, won) pairs;
* blocks new entries when the pinned cost-model version is stale (older than the
  configured age, or the symbol's coefficients sit at a calibration clamp), raising
  an alert once per symbol if an alerter is wired;
* asks the :class:`ExecutionPolicySelector` for a style priced by the
  :class:`CostModel` and gated on the target's expected edge (entries only: an exit
  is not an opinion about edge);
* and writes everything it used into the decision's details.

Per bar it only folds the bar into the :class:`FeatureTracker`; the rest runs per
decision (``benchmarks/bench_decision.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.execution.calibration import COST_MODEL_STALE, CalibrationConfig
from tradecore.domain.execution.cost_model import CostModel, MarketContext
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.execution.policy import (
    ExecutionPolicy,
    ExecutionPolicySelector,
    PolicyChoice,
    PolicyThresholds,
    limit_price,
)
from tradecore.domain.float_checks import non_negative, positive
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.features import FeatureConfig, FeatureTracker
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.risk.degradation import OrderAction, order_action
from tradecore.domain.sizing.kelly import (
    BayesianKelly,
    KellyConfig,
    SizingDecision,
    volatility_regime_multiplier,
)
from tradecore.domain.sizing.probability_calibration import IsotonicCalibrator
from tradecore.domain.strategies.protocol import Target
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity

_ZERO = Decimal(0)
#: Policies whose order is worked as child slices.
SCHEDULED = frozenset({ExecutionPolicy.TWAP, ExecutionPolicy.POV})


@attrs.frozen(kw_only=True)
class NetOfCostConfig:
    """What the planner prices, sizes and gates with (a pinned cost-model version)."""

    params: CostModelParams = attrs.field(
        factory=CostModelParams, validator=v.instance_of(CostModelParams)
    )
    #: When the pinned version was fitted; ``None`` for a prior (no age check).
    fitted_at: datetime | None = attrs.field(
        default=None, validator=v.optional_utc_datetime
    )
    fees: FeeModel = attrs.field(factory=FeeModel, validator=v.instance_of(FeeModel))
    thresholds: PolicyThresholds = attrs.field(factory=PolicyThresholds)
    kelly: KellyConfig = attrs.field(factory=KellyConfig)
    calibration: CalibrationConfig = attrs.field(factory=CalibrationConfig)
    features: FeatureConfig = attrs.field(factory=FeatureConfig)
    #: Quoted spread assumed when only bars are known (bps of price).
    spread_bps: float = attrs.field(default=5.0, validator=non_negative)
    #: Per-symbol spreads where they differ from ``spread_bps``.
    spread_bps_by_symbol: Mapping[str, float] = attrs.field(factory=dict)
    provenance: Provenance = attrs.field(
        default=Provenance.SIP, validator=v.instance_of(Provenance)
    )
    #: How long a signal stays useful when the target does not say (minutes).
    urgency_minutes: float = attrs.field(default=60.0, validator=positive)
    #: Daily volatility the regime multiplier scales to (``None``: multiplier 1).
    target_volatility: float | None = None
    #: Refit the isotonic probability calibrator once this many round trips with a
    #: model probability have closed (and at every further multiple); 0: never.
    calibrate_probability_after: int = 30
    alerter: Alerter | None = None

    @property
    def version_hash(self) -> str:
        """The pinned cost-model version's hash (stamped on decisions and intents)."""
        return self.params.version_hash


@attrs.frozen(kw_only=True)
class ExecutionPlan:
    """What one target comes to: an order (spec + choice) or a skip, and why."""

    side: Side
    qty: Decimal
    current: Decimal
    spec: OrderSpec | None
    choice: PolicyChoice | None
    sizing: SizingDecision | None
    skip_reason: str | None
    details: Mapping[str, object]

    @property
    def scheduled(self) -> bool:
        """True when the order is worked as TWAP/POV child slices."""
        return self.choice is not None and self.choice.policy in SCHEDULED


#: Provenances that name no market feed (recorded files, generated data).
_NOT_A_FEED = frozenset({Provenance.FILE, Provenance.SIMULATED})


class NetOfCostPlanner:
    """Per-engine planner: market features, the Kelly posterior, the selector."""

    def __init__(
        self, config: NetOfCostConfig, regimes: RegimeMonitor | None = None
    ) -> None:
        """Build the selector and cost model from the pinned version; ``regimes``
        (the engine's, fed by it) scale sizing and make the policy passive."""
        self.config = config
        self.regimes = regimes
        cost = CostModel(params=config.params, fees=config.fees)
        self.selector = ExecutionPolicySelector(
            cost_model=cost, thresholds=config.thresholds
        )
        self.features = FeatureTracker(config.features)
        self.kelly = BayesianKelly(config=config.kelly)
        #: The pinned version's hash (computed once: it is a sha256 of the params).
        self.version_hash = config.version_hash
        self._alerted: set[str] = set()
        self._entries: dict[str, tuple[Decimal, Decimal, float | None]] = {}
        #: client order id -> the model probability its decision was sized with.
        self._probability: dict[str, float] = {}
        self._pairs: list[tuple[float, bool]] = []  # (probability, won) per round trip
        #: The feed each symbol's bars came from, where the loop said (live).
        self._provenance: dict[str, Provenance] = {}
        self.update = self.features.update  # per bar: the only hot-path call

    def forget_trades(self) -> None:
        """Drop what trading taught (posterior, calibrator, open trips): a restart
        relearns it from the store (:mod:`tradecore.services.execution.net_of_cost_restore`)."""
        self.kelly = BayesianKelly(config=self.config.kelly)
        self._entries.clear()
        self._probability.clear()
        self._pairs.clear()

    def sized_order(self, client_order_id: str, probability: float | None) -> None:
        """Remember the model probability the order ``client_order_id`` was sized with.

        A round trip's (probability, won) pair for the calibrator is the probability
        of the order whose fill opened it: a fact the store keeps (the decision's
        sizing record), so a restarted process pairs exactly as this one did.
        """
        if probability is not None:
            self._probability[client_order_id] = probability

    def child_order(self, client_order_id: str, parent_client_order_id: str) -> None:
        """A child slice carries its parent's probability."""
        probability = self._probability.get(parent_client_order_id)
        if probability is not None:
            self._probability[client_order_id] = probability

    # --- sizing -----------------------------------------------------------------

    def desired(
        self, target: Target, price: Decimal, equity: float
    ) -> tuple[Decimal, SizingDecision | None]:
        """Return the signed position to aim for, Kelly-sized when the target says how.

        The target's quantity is the direction and the most it wants; Kelly decides
        how much of that. Without a probability or a strength it stands as given.
        """
        if target.qty == 0 or (target.probability is None and target.strength is None):
            return target.qty, None
        if equity <= 0:
            return _ZERO, None
        decision = self.kelly.decide(
            equity=Decimal(repr(equity)),
            price=price,
            signal_strength=1.0 if target.strength is None else target.strength,
            regime_multiplier=self._regime(target.symbol),
            model_probability=target.probability,
        )
        shares = min(abs(target.qty), decision.shares)
        return (shares if target.qty > 0 else -shares), decision

    def _regime(self, symbol: str) -> float:
        regimes = self.regimes
        states = 1.0 if regimes is None else regimes.multiplier(symbol)
        goal = self.config.target_volatility
        if goal is None:
            return states
        realized = self.features.features(symbol).daily_volatility
        return states * volatility_regime_multiplier(realized, goal)

    def on_fill(
        self,
        symbol: str,
        client_order_id: str,
        signed_notional: Decimal,
        after: Decimal,
        realized: Decimal,
    ) -> None:
        """Follow round trips; a closed one updates the Kelly posterior with its return.

        ``realized`` is the ledger's realized P&L after the fill; the return is the
        P&L realized since the position opened over the notional it was opened with.
        The model probability the opening order was sized with (:meth:`sized_order`)
        and whether the trip won feed the isotonic probability calibrator.
        """
        entry = self._entries.get(symbol)
        if entry is None:
            if after != 0:
                opened_with = self._probability.get(client_order_id)
                self._entries[symbol] = (abs(signed_notional), realized, opened_with)
            return
        notional, realized_at_open, opened_with = entry
        if after != 0:
            grown = notional + abs(signed_notional)
            self._entries[symbol] = (grown, realized_at_open, opened_with)
            return
        del self._entries[symbol]
        if notional <= 0:
            return
        trip = float((realized - realized_at_open) / notional)
        self.kelly = self.kelly.update(trip)
        if opened_with is not None and trip != 0.0:
            self._pairs.append((opened_with, trip > 0.0))
            self._refit_calibrator()

    def _refit_calibrator(self) -> None:
        every = self.config.calibrate_probability_after
        if every <= 0 or len(self._pairs) % every:
            return
        probabilities = [p for p, _ in self._pairs]
        outcomes = [won for _, won in self._pairs]
        calibrator = IsotonicCalibrator.fit(probabilities, outcomes)
        self.kelly = self.kelly.with_calibrator(calibrator)

    # --- the plan ----------------------------------------------------------------

    def plan(
        self,
        target: Target,
        *,
        current: Decimal,
        desired: Decimal,
        close: float,
        now: datetime,
        sizing: SizingDecision | None,
    ) -> ExecutionPlan:
        """Gate, choose and price the order from ``current`` to ``desired``."""
        delta = desired - current
        side = Side.BUY if delta > 0 else Side.SELL
        qty = abs(delta)
        entering = order_action(current, delta) is OrderAction.ENTER
        details: dict[str, object] = {"cost_model_version": self.version_hash}
        if sizing is not None:
            details["sizing"] = sizing.to_dict()
        symbol = target.symbol
        stale = self._staleness(symbol, now) if entering else ()
        if stale:
            details["cost_model_stale"] = list(stale)
            self._alert(symbol, stale, now)
            return ExecutionPlan(
                side=side,
                qty=qty,
                current=current,
                spec=None,
                choice=None,
                sizing=sizing,
                skip_reason=COST_MODEL_STALE,
                details=details,
            )
        choice = self.selector.select(
            side=side,
            qty=qty,
            market=self._market(symbol, close),
            urgency_minutes=self.config.urgency_minutes,
            expected_edge_bps=target.expected_edge_bps if entering else None,
            regime_high_vol=None
            if self.regimes is None
            else self.regimes.high_vol(symbol),
        )
        details["policy"] = choice.to_dict()
        return ExecutionPlan(
            side=side,
            qty=qty,
            current=current,
            spec=self._spec(symbol, side, qty, choice, close) if choice.trade else None,
            choice=choice,
            sizing=sizing,
            skip_reason=choice.skip_reason,
            details=details,
        )

    def observe_provenance(self, symbol: str, provenance: Provenance) -> None:
        """Price the symbol's execution with the feed its bars come from.

        ``file`` and ``simulated`` say where bars were read from, not which market
        feed made them: the configured provenance stands for those.
        """
        if provenance not in _NOT_A_FEED:
            self._provenance[symbol] = provenance

    def _market(self, symbol: str, close: float) -> MarketContext:
        f = self.features.features(symbol)
        c = self.config
        return MarketContext(
            symbol=symbol,
            price=close,
            spread_bps=c.spread_bps_by_symbol.get(symbol, c.spread_bps),
            volatility=f.daily_volatility,
            adv=f.adv,
            liquidity_ratio=f.liquidity_ratio,
            provenance=self._provenance.get(symbol, c.provenance),
        )

    def _spec(
        self, symbol: str, side: Side, qty: Decimal, choice: PolicyChoice, close: float
    ) -> OrderSpec:
        offset = choice.limit_offset_bps
        if offset is None:  # a scheduled parent: its children price themselves
            offset = self.marketable_offset_bps(symbol)
        return OrderSpec(
            symbol=symbol,
            side=side,
            qty=qty,
            order_type=OrderType.LIMIT,
            limit_price=limit_price(side, close, offset),
        )

    def marketable_offset_bps(self, symbol: str) -> float:
        """The offset of a marketable limit: half the spread plus the buffer."""
        c = self.config
        spread = c.spread_bps_by_symbol.get(symbol, c.spread_bps)
        return spread / 2.0 + c.thresholds.marketable_buffer_bps

    # --- staleness ---------------------------------------------------------------

    def _staleness(self, symbol: str, now: datetime) -> tuple[str, ...]:
        c = self.config
        found = []
        if c.fitted_at is not None and now - c.fitted_at > c.calibration.max_age:
            found.append(
                f"version fitted {now - c.fitted_at} ago > max age "
                f"{c.calibration.max_age}"
            )
        impact = c.params.per_symbol.get(symbol)
        if impact is not None:
            bounds = c.calibration
            for name, value, limits in (
                ("eta", impact.eta, bounds.eta_bounds),
                ("gamma", impact.gamma, bounds.gamma_bounds),
            ):
                if limits.at_bound(value):
                    found.append(
                        f"{symbol} {name}={value:.6g} at clamp "
                        f"[{limits.low}, {limits.high}]"
                    )
        return tuple(found)

    def _alert(self, symbol: str, stale: tuple[str, ...], now: datetime) -> None:
        alerter = self.config.alerter
        if alerter is None or symbol in self._alerted:
            return
        self._alerted.add(symbol)
        alerter.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.COST_MODEL_STALE,
                message=(
                    f"cost model {self.version_hash[:12]} is stale for "
                    f"{symbol}: new entries blocked ({'; '.join(stale)})"
                ),
                raised_at=now,
                context={
                    "symbol": symbol,
                    "version": self.version_hash,
                    "dedup_key": symbol,
                },
            )
        )
