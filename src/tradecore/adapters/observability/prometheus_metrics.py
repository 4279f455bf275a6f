"""The Metrics port on prometheus-client, in a registry of its own.

A private :class:`~prometheus_client.CollectorRegistry` (not the global default)
lets several engines, or several tests, live in one process without name clashes.
Metric names follow Prometheus conventions: ``tradecore_`` prefix, ``_total`` on
counters, base units (seconds, account currency, basis points).
"""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tradecore.ports.metrics import Metrics

_BPS_BUCKETS = (-50.0, -20.0, -10.0, -5.0, -2.0, 0.0, 2.0, 5.0, 10.0, 20.0, 50.0)


class PrometheusMetrics(Metrics):
    """Counters, gauges and a histogram exposed at ``/metrics``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        """Register every metric in ``registry`` (a fresh one by default)."""
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self._orders = Counter(
            "tradecore_orders",
            "Decision outcomes by outcome and reason.",
            ["outcome", "reason"],
            registry=r,
        )
        self._fills = Counter(
            "tradecore_fills", "Fills and partial fills.", ["side"], registry=r
        )
        self._open = Gauge(
            "tradecore_open_intents", "Open intents by status.", ["status"], registry=r
        )
        self._open_age = Gauge(
            "tradecore_open_intent_oldest_age_seconds",
            "Age of the oldest open intent by status.",
            ["status"],
            registry=r,
        )
        self._rejects = Counter(
            "tradecore_rejects", "Orders rejected, by reason.", ["reason"], registry=r
        )
        self._rate_limited = Counter(
            "tradecore_broker_rate_limited", "429 answers from the broker.", registry=r
        )
        self._discrepancies = Counter(
            "tradecore_reconcile_discrepancies",
            "Differences found by the reconciler, by kind.",
            ["kind"],
            registry=r,
        )
        self._breakers = Gauge(
            "tradecore_breaker_tripped",
            "1 when the breaker is tripped.",
            ["breaker"],
            registry=r,
        )
        self._pnl = Gauge(
            "tradecore_pnl", "Today's P&L in account currency.", ["kind"], registry=r
        )
        self._exposure = Gauge(
            "tradecore_exposure", "Exposure in account currency.", ["kind"], registry=r
        )
        self._cost_gap = Histogram(
            "tradecore_cost_vs_predicted_bps",
            "Realized minus predicted cost per fill, basis points.",
            buckets=_BPS_BUCKETS,
            registry=r,
        )
        self._alert_failures = Counter(
            "tradecore_alert_delivery_failures",
            "Alerts a sink could not deliver.",
            ["sink"],
            registry=r,
        )
        self._budget = Gauge(
            "tradecore_rate_limit_budget_left",
            "Broker requests the rate limiter allows right now.",
            registry=r,
        )
        self._degraded = Gauge(
            "tradecore_data_degraded",
            "1 when the market-data feed in use is degraded (iex, delayed_sip).",
            ["feed"],
            registry=r,
        )

    def order_outcome(self, outcome: str, reason: str) -> None:
        """Count one decision outcome and its reason code."""
        self._orders.labels(outcome=outcome, reason=reason).inc()

    def fill(self, side: str) -> None:
        """Count one fill."""
        self._fills.labels(side=side).inc()

    def open_intents(self, status: str, count: int, oldest_age_s: float) -> None:
        """Set the open intents in ``status`` and the age of the oldest."""
        self._open.labels(status=status).set(count)
        self._open_age.labels(status=status).set(oldest_age_s)

    def reject(self, reason: str) -> None:
        """Count one rejected order."""
        self._rejects.labels(reason=reason).inc()

    def rate_limited(self) -> None:
        """Count one 429 from the broker."""
        self._rate_limited.inc()

    def reconcile_discrepancy(self, kind: str) -> None:
        """Count one reconciler finding."""
        self._discrepancies.labels(kind=kind).inc()

    def breaker_state(self, breaker: str, tripped: bool) -> None:
        """Set whether ``breaker`` is tripped."""
        self._breakers.labels(breaker=breaker).set(1 if tripped else 0)

    def pnl(self, realized: Decimal, unrealized: Decimal) -> None:
        """Set realized and unrealized P&L (floats: a dashboard, not the ledger)."""
        self._pnl.labels(kind="realized").set(float(realized))
        self._pnl.labels(kind="unrealized").set(float(unrealized))

    def exposure(self, gross: Decimal, net: Decimal) -> None:
        """Set gross and net exposure."""
        self._exposure.labels(kind="gross").set(float(gross))
        self._exposure.labels(kind="net").set(float(net))

    def cost_vs_predicted(self, realized_bps: float, predicted_bps: float) -> None:
        """Observe realized minus predicted cost of one fill."""
        self._cost_gap.observe(realized_bps - predicted_bps)

    def alert_delivery_failed(self, sink: str) -> None:
        """Count one failed alert delivery."""
        self._alert_failures.labels(sink=sink).inc()

    def rate_limit_budget(self, remaining: float) -> None:
        """Set the requests left in the rate limiter's bucket."""
        self._budget.set(remaining)

    def data_degraded(self, feed: str, degraded: bool) -> None:
        """Set the degraded flag of ``feed``."""
        self._degraded.labels(feed=feed).set(1 if degraded else 0)
