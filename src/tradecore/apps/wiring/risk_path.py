"""The risk path: one composition of ``[risk]`` for ``tradecore-live`` and replay.

Both apps call :func:`compose_risk_path` with their own commit policy, broker,
clock and alerter, and get the same controls: the pre-trade checker and breakers
behind a :class:`RiskGate` (which also keeps the trading state in the store), the
degradation monitor (component health -> what may still be sent; it hears of every
broker call and unit of work), the broker wrapped so the gate and the monitor see
every call, the order manager, the rejection handler (capped retries per reason;
a "market closed" reject waits for the open of the market's ``session``) and the
default protection. So a replay with a ``--config`` refuses exactly what the live
process would refuse with it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs

from tradecore.apps.config.risk import RiskSettings, build_breakers, build_checker
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.regimes.monitor import RegimeMonitor
from tradecore.domain.risk.breakers.regime import RegimeBreaker, RegimeBreakerConfig
from tradecore.domain.risk.kill_request import KillRequest
from tradecore.domain.risk.pdt import DayTradeMonitor
from tradecore.domain.risk.pre_trade import TradingHours
from tradecore.domain.strategies.protocol import Protection
from tradecore.ports.alerts import Alerter
from tradecore.ports.broker import Broker
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.ports.trading_status import TradingStatusView
from tradecore.services.controls.degradation import (
    DegradationMonitor,
    monitored_commits,
)
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.rejection_handler import RejectionHandler
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.order_manager import OrderManager


@attrs.frozen(kw_only=True)
class RiskPath:
    """The controls ``[risk]`` asks for, wired; the engine takes :meth:`engine_fields`."""

    gate: RiskGate
    #: The commit policy to give the engine (the monitor counts store errors).
    commits: CommitPolicy
    #: The broker to give the engine's order manager and the loop.
    broker: MonitoredBroker
    orders: OrderManager
    degradation: DegradationMonitor | None
    rejections: RejectionHandler | None
    default_protection: Protection | None

    def engine_fields(self) -> dict[str, Any]:
        """The :class:`EngineConfig` fields of the risk path."""
        return {
            "risk_gate": self.gate,
            "degradation": self.degradation,
            "rejections": self.rejections,
            "default_protection": self.default_protection,
        }


def compose_risk_path(
    risk: RiskSettings,
    *,
    commits: CommitPolicy,
    broker: Broker,
    clock: Clock,
    alerter: Alerter,
    hours: TradingHours,
    session: MarketCalendar,
    interval: timedelta,
    on_kill: Callable[[KillRequest], object] | None = None,
    metrics: Metrics | None = None,
    resend_known: bool = False,
    shared_store: bool = True,
    trading_status: TradingStatusView | None = None,
    regimes: RegimeMonitor | None = None,
    regime_breaker: RegimeBreakerConfig | None = None,
) -> RiskPath:
    """Build the risk path of ``risk`` around ``broker`` and ``commits``.

    ``hours`` are the pre-trade market-hours rule's sessions, ``session`` the
    market's calendar (breakers reset on its trading days, a "market closed"
    rejection waits for its next open), ``interval`` the bar interval (a symbol's
    data age is judged in bars). ``on_kill`` carries out a kill seen in the store.
    ``shared_store`` False: nothing but this process writes the store (a replay),
    so the trading state is not re-read every cycle. ``trading_status``: halted
    symbols are refused by the gate until they resume. ``regime_breaker`` adds
    the regime breaker over ``regimes`` (the engine's monitor).
    """
    degradation_settings = risk.degradation
    monitor = (
        DegradationMonitor(
            degradation_settings.thresholds(interval.total_seconds()),
            alerter,
            degraded_feed=degradation_settings.degraded_feed,
        )
        if degradation_settings.enabled
        else None
    )
    if monitor is not None:
        commits = monitored_commits(commits, monitor)
    gate = RiskGate(
        build_checker(risk, hours),
        commits,
        alerter,
        breakers=[
            *build_breakers(risk, session),
            *(
                [RegimeBreaker(regime_breaker, regimes)]
                if regime_breaker is not None and regimes is not None
                else []
            ),
        ],
        on_kill=on_kill,
        calendar=session,
        shared_store=shared_store,
        trading_status=trading_status,
        pdt=DayTradeMonitor(risk.pdt, session) if risk.pdt.enabled else None,
    )
    watched = MonitoredBroker(
        broker, gate, clock, health=monitor, alerter=alerter, metrics=metrics
    )
    orders = OrderManager(
        watched, clock, commits, alerter=alerter, resend_known=resend_known
    )
    rejections = (
        RejectionHandler(orders, clock, alerter, risk.rejections.policy(session))
        if risk.rejections.enabled
        else None
    )
    return RiskPath(
        gate=gate,
        commits=commits,
        broker=watched,
        orders=orders,
        degradation=monitor,
        rejections=rejections,
        default_protection=risk.default_protection,
    )
