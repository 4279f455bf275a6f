"""``/metrics`` and ``/health`` on a loopback port, served from a background thread.

* ``/metrics``: the Prometheus text format of the registry.
* ``/health/live``: 200 while the process serves requests (liveness).
* ``/health`` and ``/health/ready``: 200 when every component check passes, else
  503; the JSON body lists each component with ok and detail (readiness). A check
  that raises counts as failed, with the error as its detail.

Only loopback addresses are accepted: the endpoints are unauthenticated, so exposing
them beyond the host is a deliberate decision made with a proxy in front, not here.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from tradecore.domain.errors import ConfigurationError
from tradecore.ports.metrics import ComponentHealth, HealthCheck

StartResponse = Callable[..., Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return  # access logs would drown the structured log


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigurationError(
            f"observability.host={host!r}: only loopback addresses are served"
        )


def run_checks(checks: Mapping[str, HealthCheck]) -> dict[str, ComponentHealth]:
    """Run every check; a check that raises is reported as failed, not propagated."""
    results: dict[str, ComponentHealth] = {}
    for name, check in sorted(checks.items()):
        try:
            results[name] = check()
        except Exception as e:
            results[name] = ComponentHealth(ok=False, detail=f"check failed: {e}")
    return results


class ObservabilityServer:
    """Serves metrics and health until :meth:`stop`; ``port=0`` picks a free port."""

    def __init__(
        self,
        registry: CollectorRegistry,
        checks: Mapping[str, HealthCheck],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """Prepare the server (nothing is bound until :meth:`start`).

        Raises:
            ConfigurationError: ``host`` is not a loopback address.
        """
        _check_loopback(host)
        self._address = (host, port)
        self._metrics_app = make_wsgi_app(registry)
        self._checks = dict(checks)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the observability server is not started")
        return int(self._server.server_address[1])

    def start(self) -> ObservabilityServer:
        """Bind and serve from a daemon thread; return self.

        Raises:
            ConfigurationError: the port cannot be bound.
        """
        host, port = self._address
        try:
            server = make_server(
                host, port, self._app, server_class=_Server, handler_class=_QuietHandler
            )
        except OSError as e:
            raise ConfigurationError(
                f"cannot serve metrics on {host}:{port}: {e}"
            ) from e
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            args=(0.1,),
            name="tradecore-observability",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def _app(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == "/health/live":
            return _json(start_response, 200, {"status": "alive"})
        if path in ("/health", "/health/ready"):
            return self._readiness(start_response)
        return _json(start_response, 404, {"error": f"no such endpoint: {path}"})

    def _readiness(self, start_response: StartResponse) -> Iterable[bytes]:
        results = run_checks(self._checks)
        ready = all(r.ok for r in results.values())
        body = {
            "status": "ready" if ready else "not ready",
            "components": {
                name: {"ok": r.ok, "detail": r.detail} for name, r in results.items()
            },
        }
        return _json(start_response, 200 if ready else 503, body)


def _json(start_response: StartResponse, status: int, body: object) -> list[bytes]:
    data = json.dumps(body, sort_keys=True).encode()
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
