"""The operational layer of ``tradecore-live run``: alerts, metrics, health, logs.

:func:`open_live_ops` composes, from the config:

* the **alert router** every service sends to (config routes, de-duplication, rate
  limit), whose configured critical codes trip the kill switch
  (:class:`KillOnAlert`, bound once the switch exists);
* the **Prometheus metrics** and, when ``[observability] port`` is not 0, the
  loopback ``/metrics`` + ``/health`` server, with one check per component
  (broker, data feed freshness, store, manifest);
* **structured JSON logs** on stderr (secrets scrubbed), starting with the redacted
  effective config and its hash, then one ``cycle summary`` per cycle.

:meth:`LiveOps.close` delivers pending alert summaries and stops the server.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from tradecore.adapters.observability import ObservabilityServer, PrometheusMetrics
from tradecore.apps.config.settings import (
    Settings,
    config_hash,
    redacted,
    secret_values,
)
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.apps.wiring.cli_logging import live_log_handler
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.risk.degradation import Health, feed_health
from tradecore.ports.alerts import Alert, AlertCode
from tradecore.ports.bar_feed import BarFeed
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import ComponentHealth, HealthCheck, Metrics
from tradecore.ports.store import Store
from tradecore.ports.trading_status import TradingStatusView
from tradecore.services.controls.kill_switch import KillSwitch
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.observation.alerting import AlertRouter
from tradecore.services.observation.cycle_watch import (
    CycleSummary,
    CycleWatch,
    WatchLimits,
)
from tradecore.services.trading.engine import TradingEngine

_log = logging.getLogger("tradecore.live")


class KillOnAlert:
    """The router's kill switch: halts trading on a configured critical alert."""

    def __init__(self) -> None:
        """Unbound until :meth:`bind` (the switch needs the router to exist first)."""
        self._switch: KillSwitch | None = None

    def bind(self, switch: KillSwitch) -> None:
        """Use ``switch`` from now on."""
        self._switch = switch

    def __call__(self, alert: Alert) -> None:
        """Kill for ``alert`` (the kill's own alert never kills again).

        Raises:
            RuntimeError: not bound yet (the router records the failure).
        """
        if alert.code == AlertCode.KILL_SWITCH.value:
            return
        if self._switch is None:
            raise RuntimeError("the kill switch is not wired yet")
        self._switch.kill(f"alert {alert.code}: {alert.message}")


class TimedFeed(BarFeed):
    """A bar feed that remembers when its newest bar closed and which feed it came from.

    The feed (provenance) is the data regime: iex and delayed_sip are degraded
    (:func:`~tradecore.domain.risk.degradation.feed_health`); it is set as the
    ``tradecore_data_degraded`` gauge and shown in ``/health``'s data-feed check.
    """

    def __init__(
        self, inner: BarFeed, interval: timedelta, *, metrics: Metrics | None = None
    ) -> None:
        """Wrap ``inner``; a bar closes ``interval`` after its timestamp."""
        self._inner = inner
        self._interval = interval
        self._metrics = metrics
        self.last_close: datetime | None = None
        self.provenance: Provenance | None = None

    def poll(self, now: datetime) -> Sequence[Bar]:
        """Poll the inner feed, noting the newest bar's close and its feed."""
        bars = self._inner.poll(now)
        if bars:
            newest = max(bars, key=lambda b: b.timestamp)
            self.last_close = newest.timestamp + self._interval
            self._regime(newest.provenance)
        return bars

    @property
    def degraded(self) -> bool:
        """Whether the newest bar came from a degraded feed."""
        known = self.provenance
        return known is not None and feed_health(known) is not Health.OK

    def _regime(self, provenance: Provenance) -> None:
        before = self.provenance
        if provenance is before:
            return
        self.provenance = provenance
        degraded = self.degraded
        if self._metrics is not None:
            if before is not None:
                self._metrics.data_degraded(before.value, False)  # no longer in use
            self._metrics.data_degraded(provenance.value, degraded)
        _log.info(
            "data regime",
            extra={"feed": provenance.value, "data_degraded": degraded},
        )

    @property
    def exhausted(self) -> bool:
        """As the inner feed."""
        return self._inner.exhausted

    def next_close(self) -> datetime | None:
        """As the inner feed."""
        return self._inner.next_close()


@attrs.define
class LiveOps:
    """What :func:`open_live_ops` built; the app closes it at exit."""

    router: AlertRouter
    metrics: PrometheusMetrics
    kill_on_alert: KillOnAlert
    log_handler: logging.Handler
    #: The root logger's level before the JSON handler was installed.
    log_level: int = logging.WARNING
    server: ObservabilityServer | None = None

    def serve(self, settings: Settings, checks: dict[str, HealthCheck]) -> None:
        """Start ``/metrics`` and ``/health`` if a port is configured (0: off).

        Raises:
            ConfigurationError: not a loopback host, or the port cannot be bound.
        """
        observability = settings.observability
        if not observability.enabled or observability.port == 0:
            _log.info("observability server off ([observability] port = 0)")
            return
        self.server = ObservabilityServer(
            self.metrics.registry,
            checks,
            host=observability.host,
            port=observability.port,
        ).start()
        _log.info(
            "serving /metrics and /health",
            extra={"host": observability.host, "port": self.server.port},
        )

    def log_cycle(self, summary: CycleSummary) -> None:
        """One structured line per cycle."""
        record = attrs.asdict(summary, value_serializer=_iso)
        _log.info("cycle summary", extra={"cycle_summary": record})
        self.router.flush()

    def close(self) -> None:
        """Deliver pending alert summaries, stop serving, detach the log handler."""
        self.router.close()
        if self.server is not None:
            self.server.stop()
        _detach(self.log_handler, self.log_level)


def _detach(handler: logging.Handler, level: int) -> None:
    """Undo :func:`live_log_handler` (an in-process caller, e.g. a test, goes on)."""
    root = logging.getLogger()
    root.removeHandler(handler)
    root.setLevel(level)


def _iso(instance: object, field: object, value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def open_live_ops(settings: Settings, store: Store, clock: Clock) -> LiveOps:
    """Log the effective config, then build the router and the metrics.

    Raises:
        ConfigurationError: an alert sink or route is misconfigured.
    """
    level = logging.getLogger().level
    handler = live_log_handler(secret_values(settings))
    _log.info(
        "effective config",
        extra={"config": redacted(settings), "config_hash": config_hash(settings)},
    )
    metrics = PrometheusMetrics()
    kill = KillOnAlert()
    try:
        router = build_alert_router(
            settings.alerts, clock, store=store, metrics=metrics, kill_switch=kill
        )
    except Exception:
        _detach(handler, level)
        raise
    return LiveOps(
        router=router,
        metrics=metrics,
        kill_on_alert=kill,
        log_handler=handler,
        log_level=level,
    )


def watch_cycles(
    ops: LiveOps,
    settings: Settings,
    commits: CommitPolicy,
    clock: Clock,
    engine: TradingEngine,
    broker: MonitoredBroker,
    gate: RiskGate,
) -> CycleWatch:
    """The per-cycle watch over the engine's book, the broker and the gate."""
    alerts = settings.alerts
    limits = WatchLimits(
        stuck_after=timedelta(seconds=alerts.stuck_intent_s),
        slippage_bps=alerts.slippage_spike_bps,
        slippage_window=alerts.slippage_window,
    )
    watch = CycleWatch(
        commits,
        clock,
        ops.router,
        engine,
        metrics=ops.metrics,
        limits=limits,
        lockout_until=lambda: None if broker.lockout is None else broker.lockout.until,
        rate_budget=broker.rate_budget_left,
        trading_state=lambda: str(gate.board.state.state),
        breakers=gate.board.tripped,
    )
    watch.start()
    return watch


def health_checks(
    *,
    broker: MonitoredBroker,
    feed: TimedFeed,
    clock: Clock,
    max_data_age: timedelta,
    store: Store,
    manifest: str,
    halts: TradingStatusView | None = None,
) -> dict[str, HealthCheck]:
    """One readiness check per component, as ``/health`` reports them.

    With ``halts`` (the market-data stream's trading statuses), ``trading_status``
    lists the halted symbols: ready still (a halt is the market's, not ours), the
    gate refuses their orders until they resume.
    """

    def broker_check() -> ComponentHealth:
        lockout = broker.lockout
        if lockout is not None and lockout.until > clock.now():
            until = lockout.until.isoformat()
            return ComponentHealth(ok=False, detail=f"locked out until {until}")
        return ComponentHealth(ok=True, detail="credentials accepted")

    def data_feed() -> ComponentHealth:
        last = feed.last_close
        if last is None:
            return ComponentHealth(ok=False, detail="no bar yet")
        age = (clock.now() - last).total_seconds()
        fresh = age <= max_data_age.total_seconds()
        detail = f"newest bar closed {age:.0f}s ago"
        if feed.provenance is not None:
            regime = "degraded: execution passive" if feed.degraded else "full"
            detail += f"; feed {feed.provenance.value} ({regime})"
        return ComponentHealth(ok=fresh, detail=detail)

    def store_check() -> ComponentHealth:
        with store.unit_of_work() as uow:
            state = uow.controls.get_trading_state()
        return ComponentHealth(ok=True, detail=f"reachable; trading {state.state}")

    def trading_status() -> ComponentHealth:
        halted = {} if halts is None else halts.halted()
        if not halted:
            return ComponentHealth(ok=True, detail="no symbol halted")
        detail = "; ".join(h.describe() for _, h in sorted(halted.items()))
        return ComponentHealth(ok=True, detail=f"halted: {detail}")

    checks: dict[str, HealthCheck] = {
        "broker": broker_check,
        "data_feed": data_feed,
        "store": store_check,
        "manifest": lambda: ComponentHealth(ok=True, detail=manifest),
    }
    if halts is not None:
        checks["trading_status"] = trading_status
    return checks
