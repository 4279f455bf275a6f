"""Scrape the real /metrics and /health endpoints over loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tradecore.adapters.observability import ObservabilityServer, PrometheusMetrics
from tradecore.domain.errors import ConfigurationError
from tradecore.ports.metrics import ComponentHealth, HealthCheck


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read()


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[ObservabilityServer] = []

    def start(metrics: PrometheusMetrics, checks: Mapping[str, HealthCheck]) -> str:
        server = ObservabilityServer(metrics.registry, checks).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        server.stop()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_endpoint_reports_what_was_recorded(serve: object) -> None:
    metrics = PrometheusMetrics()
    for _ in range(3):
        metrics.order_outcome("submitted", "ok")
    metrics.order_outcome("skipped", "risk:max_order_notional")
    metrics.fill("buy")
    metrics.open_intents("submitted", 2, 12.5)
    metrics.reject("insufficient_buying_power")
    metrics.rate_limited()
    metrics.reconcile_discrepancy("position")
    metrics.breaker_state("daily_loss", True)
    metrics.pnl(Decimal("-1250.50"), Decimal("300"))
    metrics.exposure(Decimal("150000"), Decimal("-2000"))
    metrics.cost_vs_predicted(7.0, 4.0)
    metrics.alert_delivery_failed("webhook")
    base = serve(metrics, {})  # type: ignore[operator]
    status, body = _get(base + "/metrics")
    assert status == 200
    samples = _samples(body.decode())
    assert (
        samples[
            ("tradecore_orders_total", (("outcome", "submitted"), ("reason", "ok")))
        ]
        == 3
    )
    key = (
        "tradecore_orders_total",
        (("outcome", "skipped"), ("reason", "risk:max_order_notional")),
    )
    assert samples[key] == 1
    assert samples[("tradecore_fills_total", (("side", "buy"),))] == 1
    assert samples[("tradecore_open_intents", (("status", "submitted"),))] == 2
    age = ("tradecore_open_intent_oldest_age_seconds", (("status", "submitted"),))
    assert samples[age] == 12.5
    assert (
        samples[("tradecore_rejects_total", (("reason", "insufficient_buying_power"),))]
        == 1
    )
    assert samples[("tradecore_broker_rate_limited_total", ())] == 1
    assert (
        samples[("tradecore_reconcile_discrepancies_total", (("kind", "position"),))]
        == 1
    )
    assert samples[("tradecore_breaker_tripped", (("breaker", "daily_loss"),))] == 1
    assert samples[("tradecore_pnl", (("kind", "realized"),))] == -1250.5
    assert samples[("tradecore_exposure", (("kind", "net"),))] == -2000
    # 7 - 4 = 3 bps: in the (2, 5] bucket (a histogram with negative buckets has no _sum)
    bucket = "tradecore_cost_vs_predicted_bps_bucket"
    assert samples[(bucket, (("le", "2.0"),))] == 0
    assert samples[(bucket, (("le", "5.0"),))] == 1
    assert (
        samples[("tradecore_alert_delivery_failures_total", (("sink", "webhook"),))]
        == 1
    )


def test_health_is_ready_only_when_every_component_is(serve: object) -> None:
    state = {"broker": True}

    def broker() -> ComponentHealth:
        return ComponentHealth(
            ok=state["broker"], detail="connected" if state["broker"] else "401"
        )

    def store() -> ComponentHealth:
        raise OSError("database is locked")

    base = serve(PrometheusMetrics(), {"broker": broker})  # type: ignore[operator]
    status, body = _get(base + "/health")
    assert status == 200
    assert json.loads(body) == {
        "status": "ready",
        "components": {"broker": {"ok": True, "detail": "connected"}},
    }
    state["broker"] = False
    assert _get(base + "/health/ready")[0] == 503
    assert _get(base + "/health/live") == (200, b'{"status": "alive"}')

    base = serve(PrometheusMetrics(), {"broker": broker, "store": store})  # type: ignore[operator]
    status, body = _get(base + "/health")
    assert status == 503
    components = json.loads(body)["components"]
    assert components["store"] == {
        "ok": False,
        "detail": "check failed: database is locked",
    }
    assert _get(base + "/nope")[0] == 404


def test_only_loopback_hosts_are_served() -> None:
    with pytest.raises(ConfigurationError, match="loopback"):
        ObservabilityServer(PrometheusMetrics().registry, {}, host="0.0.0.0")
    ObservabilityServer(PrometheusMetrics().registry, {}, host="::1")


def test_a_port_in_use_is_a_configuration_error() -> None:
    first = ObservabilityServer(PrometheusMetrics().registry, {}).start()
    try:
        second = ObservabilityServer(PrometheusMetrics().registry, {}, port=first.port)
        with pytest.raises(ConfigurationError, match="cannot serve"):
            second.start()
    finally:
        first.stop()
