"""The metrics facade and health checks: what the operator's dashboards are fed.

Services report through :class:`Metrics` in domain terms (an order outcome, a fill, a
breaker state); the adapter decides the metric names and the wire format
(Prometheus). Health checks are plain callables the composition root supplies, one
per component, each returning a :class:`ComponentHealth`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

import attrs

from tradecore.domain import validation as v


@attrs.frozen(kw_only=True, slots=True)
class ComponentHealth:
    """One component's readiness: ok or not, and a line saying why."""

    ok: bool = attrs.field(validator=v.instance_of(bool))
    detail: str = ""


#: A readiness check: called on every ``/health`` request; raising counts as not ok.
HealthCheck = Callable[[], ComponentHealth]


class Metrics(Protocol):
    """Counters and gauges of the trading process, named by what they measure."""

    def order_outcome(self, outcome: str, reason: str) -> None:
        """Count one decision outcome (submitted/skipped/failed) and its reason code."""
        ...

    def fill(self, side: str) -> None:
        """Count one fill (or partial fill) of a ``buy`` or ``sell`` order."""
        ...

    def open_intents(self, status: str, count: int, oldest_age_s: float) -> None:
        """Set how many intents are open in ``status`` and the age of the oldest."""
        ...

    def reject(self, reason: str) -> None:
        """Count one order rejected by the broker or by a risk rule."""
        ...

    def rate_limited(self) -> None:
        """Count one 429 (rate limited) answer from the broker."""
        ...

    def reconcile_discrepancy(self, kind: str) -> None:
        """Count one difference the reconciler found between broker and books."""
        ...

    def breaker_state(self, breaker: str, tripped: bool) -> None:
        """Set whether the named circuit breaker is tripped."""
        ...

    def pnl(self, realized: Decimal, unrealized: Decimal) -> None:
        """Set today's realized and unrealized P&L (account currency)."""
        ...

    def exposure(self, gross: Decimal, net: Decimal) -> None:
        """Set gross and net exposure (account currency)."""
        ...

    def cost_vs_predicted(self, realized_bps: float, predicted_bps: float) -> None:
        """Record one fill's realized cost against the cost model's prediction."""
        ...

    def alert_delivery_failed(self, sink: str) -> None:
        """Count one alert a sink could not deliver."""
        ...

    def rate_limit_budget(self, remaining: float) -> None:
        """Set how many broker requests the rate limiter would allow right now."""
        ...

    def data_degraded(self, feed: str, degraded: bool) -> None:
        """Set whether the market-data feed in use is a degraded one (e.g. iex)."""
        ...
