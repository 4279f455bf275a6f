"""Store alert sink: every alert becomes a row of the hash-chained audit log.

The audit log is append-only and tamper-evident, so it is the record a reviewer
trusts when asking "who was told what, when". The payload is the same one the other
sinks send, secrets already redacted.
"""

from __future__ import annotations

from tradecore.domain.errors import (
    AlertDeliveryFailed,
    ConcurrencyConflict,
    TradecoreError,
)
from tradecore.ports.alerts import Alert, AlertSink, alert_payload
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store

AUDIT_KIND = "alert"
_ATTEMPTS = 3


class StoreAlertSink(AlertSink):
    """Appends each alert to the store's audit log in its own unit of work."""

    def __init__(self, store: Store, clock: Clock, *, name: str = "store") -> None:
        """Write to ``store``."""
        self.name = name
        self._store = store
        self._clock = clock

    def deliver(self, alert: Alert) -> None:
        """Append ``alert`` to the audit log (retrying a lost append race).

        Raises:
            AlertDeliveryFailed: the store refused or could not be reached.
        """
        payload = alert_payload(alert, self._clock.now())
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with self._store.unit_of_work() as uow:
                    uow.audit.append(AUDIT_KIND, payload)
                    uow.commit()
                return
            except ConcurrencyConflict as e:
                if attempt == _ATTEMPTS:
                    raise AlertDeliveryFailed(f"store sink {self.name}: {e}") from e
            except TradecoreError as e:
                raise AlertDeliveryFailed(f"store sink {self.name}: {e}") from e
