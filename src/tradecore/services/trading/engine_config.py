"""What the trading engine needs besides its collaborators, in one frozen value.

Why a module of its own: the engine and its net-of-cost steps both read it, and the
steps must not import the engine (one direction only: engine -> net_steps).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.data_quality import DataQualityConfig
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.risk.checks import RiskLimits
from tradecore.domain.strategies.protocol import Protection
from tradecore.services.controls.degradation import DegradationMonitor
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.execution.net_of_cost import NetOfCostConfig


@attrs.frozen(kw_only=True)
class EngineConfig:
    """What the engine needs besides its collaborators."""

    opening_cash: Decimal
    limits: RiskLimits = attrs.Factory(RiskLimits)
    config_hash: str = ""
    model_hash: str = ""
    cost_model_hash: str = ""
    #: Hash of the signed manifest in force, copied into every decision record.
    manifest_hash: str | None = None
    #: Full pre-trade checks, trading state and breakers; ``None``: ``limits`` only.
    risk_gate: RiskGate | None = None
    #: Bar checks beyond the always-on ones (staleness: off unless configured).
    data_quality: DataQualityConfig = attrs.Factory(DataQualityConfig)
    #: Component health -> what may still be sent; ``None``: always everything.
    degradation: DegradationMonitor | None = None
    #: What to do when the broker rejects an order; ``None``: record it, nothing more.
    rejections: RejectionHandler | None = None
    #: Kelly sizing, cost gates, execution policy and slicing; ``None``: market
    #: orders for the targets' quantities (see :mod:`tradecore.services.trading.net_steps`).
    net_of_cost: NetOfCostConfig | None = None
    #: The market's sessions: a decision's session date is its trading day
    #: (``None``: the UTC date of the decision).
    calendar: MarketCalendar | None = None
    #: Stop-loss / take-profit for every entry whose target has no protection of its
    #: own (``None``: only targets' own); see :mod:`tradecore.services.trading.protection`.
    default_protection: Protection | None = None
    #: Per-symbol regimes fitted on past bars only (``[regime]``): they scale Kelly
    #: sizing, make the execution policy passive in a high-volatility regime, feed
    #: the regime breaker and go into each decision's details (``None``: off).
    regimes: RegimeMonitor | None = None
