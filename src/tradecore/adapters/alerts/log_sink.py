"""Structured-log alert sink: one log record per alert, the payload as a field.

With :mod:`tradecore.adapters.logging_json` installed the record is one JSON line
carrying ``alert: {...}``; with plain logging it is still a readable line. It is the
sink of last resort, so it does not retry: logging either works or nothing does.
"""

from __future__ import annotations

import logging

from tradecore.domain.errors import AlertDeliveryFailed
from tradecore.ports.alerts import Alert, AlertSink, Severity, alert_payload
from tradecore.ports.clock import Clock

_LEVELS = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.CRITICAL: logging.CRITICAL,
}


class LogSink(AlertSink):
    """Writes each alert to a logger at the level matching its severity."""

    def __init__(
        self,
        clock: Clock,
        *,
        logger: logging.Logger | None = None,
        name: str = "log",
    ) -> None:
        """Log to ``logger`` (default ``tradecore.alerts.sink``)."""
        self.name = name
        self._clock = clock
        self._logger = logger or logging.getLogger("tradecore.alerts.sink")

    def deliver(self, alert: Alert) -> None:
        """Log ``alert``.

        Raises:
            AlertDeliveryFailed: the payload could not be built or logged.
        """
        try:
            payload = alert_payload(alert, self._clock.now())
            self._logger.log(
                _LEVELS[alert.severity],
                "alert %s: %s",
                alert.code,
                alert.message,
                extra={"alert": payload},
            )
        except Exception as e:
            raise AlertDeliveryFailed(f"log sink {self.name}: {e}") from e
