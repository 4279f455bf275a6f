"""Observability: Prometheus metrics and the ``/metrics`` + ``/health`` endpoints."""

from tradecore.adapters.observability.http_server import ObservabilityServer, run_checks
from tradecore.adapters.observability.prometheus_metrics import PrometheusMetrics

__all__ = ["ObservabilityServer", "PrometheusMetrics", "run_checks"]
