"""``[execution]`` settings: net-of-cost decisions, as the operator configures them.

Why here: the engine takes a :class:`NetOfCostConfig` of domain objects; operators
write a flat TOML table (or CLI flags). This is the one place that turns the second
into the first, so replay and live build the planner the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.calibration import CalibrationConfig
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.execution.policy import PolicyThresholds
from tradecore.domain.float_checks import (
    fraction,
    non_negative,
    open_unit_interval,
    positive,
)
from tradecore.domain.market.bars import Provenance
from tradecore.domain.sizing.kelly import KellyConfig
from tradecore.ports.alerts import Alerter
from tradecore.services.execution.net_of_cost import NetOfCostConfig


def _provenance(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    known = [p.value for p in Provenance]
    if value not in known:
        raise InvalidInput(attribute.name, value, f"expected one of {', '.join(known)}")


def _trip_count(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(attribute.name, value, "expected an int >= 0")


def _spreads(value: Mapping[str, float]) -> dict[str, float]:
    return {str(k): float(v) for k, v in dict(value).items()}


@attrs.frozen(kw_only=True)
class ExecutionSettings:
    """Net-of-cost decisions: off unless ``enabled`` (then Kelly, gates, policies)."""

    enabled: bool = False
    #: A cost-model version hash to pin ("": the store's latest, else the prior).
    cost_model_version: str = ""
    #: Where cost-model versions are read (and calibrated ones also written);
    #: "": the run's own store.
    cost_model_store: str = ""
    #: The quoted bid-ask spread (bps) the cost model prices each symbol with.
    spread_bps: float = attrs.field(default=5.0, validator=non_negative)
    #: Per-symbol quoted spread (bps) where it differs from ``spread_bps``.
    spread_bps_by_symbol: Mapping[str, float] = attrs.field(
        factory=dict, converter=_spreads
    )
    #: The feed execution is priced for (``sip``, ``iex``, ``delayed_sip``) when the
    #: bars do not say (files and simulated bars); an IEX-only or delayed feed is
    #: worked more cautiously.
    provenance: str = attrs.field(default=Provenance.SIP.value, validator=_provenance)
    #: How long a signal stays useful (minutes): the policy selector trades off
    #: impact against waiting over this horizon (capped by the time to the close).
    urgency_minutes: float = attrs.field(default=60.0, validator=positive)
    #: A cost model older than this many days blocks new entries.
    max_age_days: float = attrs.field(default=5.0, validator=positive)
    #: The share of the (conservative) Kelly fraction staked: 0.5 is half-Kelly.
    kelly_fraction: float = attrs.field(default=0.5, validator=fraction)
    #: The largest fraction of equity one position may take, whatever Kelly says.
    max_fraction: float = attrs.field(default=0.15, validator=fraction)
    #: The Beta prior's win rate, before any trade of the strategy has closed.
    prior_win_rate: float = attrs.field(default=0.5, validator=open_unit_interval)
    #: Pseudo-trades the prior win rate is worth against the realized record.
    prior_strength: float = attrs.field(default=20.0, validator=positive)
    #: Daily volatility sizing is scaled to (0: no regime multiplier).
    target_volatility: float = attrs.field(default=0.0, validator=non_negative)
    #: Refit the probability calibrator every this many closed trips (0: never).
    calibrate_probability_after: int = attrs.field(default=30, validator=_trip_count)

    def build(
        self,
        params: CostModelParams,
        *,
        fitted_at: datetime | None,
        fees: FeeModel,
        alerter: Alerter | None = None,
    ) -> NetOfCostConfig:
        """Return the engine's planner config for a pinned parameter version."""
        return NetOfCostConfig(
            params=params,
            fitted_at=fitted_at,
            fees=fees,
            thresholds=PolicyThresholds(),
            kelly=KellyConfig(
                prior_win_rate=self.prior_win_rate,
                prior_strength=self.prior_strength,
                kelly_fraction=self.kelly_fraction,
                max_fraction=self.max_fraction,
            ),
            calibration=CalibrationConfig(max_age=timedelta(days=self.max_age_days)),
            spread_bps=self.spread_bps,
            spread_bps_by_symbol=self.spread_bps_by_symbol,
            provenance=Provenance(self.provenance),
            urgency_minutes=self.urgency_minutes,
            target_volatility=self.target_volatility or None,
            calibrate_probability_after=self.calibrate_probability_after,
            alerter=alerter,
        )

    def to_dict(self) -> dict[str, object]:
        """Return the settings as JSON-able primitives (for the config hash)."""
        values = attrs.asdict(self)
        values["spread_bps_by_symbol"] = dict(sorted(self.spread_bps_by_symbol.items()))
        return values
