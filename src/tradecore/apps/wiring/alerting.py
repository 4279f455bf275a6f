"""Compose the alert router from the config: sinks, routes, policy.

The log sink always exists (the sink of last resort); the store sink exists when a
store is given; the webhook (``webhook``) and e-mail (``email``) sinks exist when
their sections are configured. Failed deliveries are reported to ``log`` and, when
present, ``store``.
"""

from __future__ import annotations

import ssl

from tradecore.adapters.alerts import LogSink, SmtpSink, StoreAlertSink, WebhookSink
from tradecore.apps.config.operations import AlertSettings
from tradecore.ports.alerts import AlertSink, Severity
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.ports.store import Store
from tradecore.services.observation.alerting import (
    AlertRoute,
    AlertRouter,
    KillSwitch,
    RouterPolicy,
)


def build_alert_sinks(
    settings: AlertSettings,
    clock: Clock,
    *,
    store: Store | None = None,
    ssl_context: ssl.SSLContext | None = None,
    seed: int = 0,
) -> list[AlertSink]:
    """Return the configured sinks (``log`` first).

    Raises:
        ConfigurationError: a configured sink is incomplete (e.g. no webhook secret).
    """
    sinks: list[AlertSink] = [LogSink(clock)]
    if store is not None:
        sinks.append(StoreAlertSink(store, clock))
    if settings.webhook is not None:
        hook = settings.webhook
        sinks.append(
            WebhookSink(
                hook.url,
                hook.secret or "",
                clock=clock,
                timeout_s=hook.timeout_s,
                retries=hook.retries,
                seed=seed,
            )
        )
    if settings.smtp is not None:
        mail = settings.smtp
        sinks.append(
            SmtpSink(
                mail.host,
                mail.port,
                mail.sender,
                mail.recipients,
                clock=clock,
                starttls=mail.starttls,
                username=mail.username,
                password=mail.password,
                ssl_context=ssl_context,
                timeout_s=mail.timeout_s,
                retries=mail.retries,
                seed=seed,
            )
        )
    return sinks


def build_alert_router(
    settings: AlertSettings,
    clock: Clock,
    *,
    store: Store | None = None,
    metrics: Metrics | None = None,
    kill_switch: KillSwitch | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AlertRouter:
    """Return the router the engine sends alerts to.

    Raises:
        ConfigurationError: an incomplete sink, or a route naming an absent sink.
    """
    sinks = build_alert_sinks(settings, clock, store=store, ssl_context=ssl_context)
    routes = [
        AlertRoute(sinks=r.sinks, min_severity=Severity(r.min_severity), codes=r.codes)
        for r in settings.routes
    ]
    failure_sinks = tuple(s.name for s in sinks if s.name in ("log", "store"))
    policy = RouterPolicy(
        window_s=settings.window_s,
        max_per_window=settings.max_per_window,
        kill_switch_codes=frozenset(settings.kill_switch_codes),
        failure_sinks=failure_sinks,
    )
    return AlertRouter(
        sinks, routes, clock, policy, kill_switch=kill_switch, metrics=metrics
    )
