"""An alert sink that writes every alert to the store's audit log and the structured log.

Until alerts reach a person by webhook or e-mail, this is where they go: the audit log
keeps them (hash-chained, next to the trips and kills they report) and the ``tradecore
.alerts`` logger emits one JSON object per alert for whatever collects the logs.

Delivery never raises into trading (the port's promise): a store that cannot take the
alert is reported on the logger, and counted in :attr:`StoreLogAlertSink.failures`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from tradecore.domain.errors import TradecoreError
from tradecore.domain.hashing import canonical_bytes
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.store import Store, UnitOfWork

LOGGER_NAME = "tradecore.alerts"
AUDIT_KIND = "alert"

_LEVELS = {
    Severity.INFO: logging.INFO,
    Severity.WARNING: logging.WARNING,
    Severity.CRITICAL: logging.CRITICAL,
}

#: Yields a unit of work and commits it when the block ends.
UnitStep = Callable[[], AbstractContextManager[UnitOfWork]]


def committing(store: Store) -> UnitStep:
    """One committed unit of work per alert on ``store``."""

    @contextmanager
    def step() -> Iterator[UnitOfWork]:
        with store.unit_of_work() as uow:
            yield uow
            uow.commit()

    return step


class StoreLogAlertSink(Alerter):
    """Audit log + structured log; see the module docstring."""

    def __init__(self, step: UnitStep, logger: logging.Logger | None = None) -> None:
        """Write through ``step`` (see :func:`committing`; a replay passes its batch
        commit policy's ``step`` so alerts share the replay's transaction)."""
        self._step = step
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self.failures = 0

    @classmethod
    def on_store(
        cls, store: Store, logger: logging.Logger | None = None
    ) -> StoreLogAlertSink:
        """A sink committing each alert to ``store`` on its own."""
        return cls(committing(store), logger)

    def send(self, alert: Alert) -> None:
        """Log the alert, then append it to the audit log; never raise."""
        record = alert_record(alert)
        self._log.log(
            _LEVELS[alert.severity],
            _json(record),
            extra={"alert": record},
        )
        try:
            with self._step() as uow:
                uow.audit.append(AUDIT_KIND, record)
        except TradecoreError as error:
            self.failures += 1
            failure = {"event": "alert_not_stored", "code": alert.code}
            self._log.error(_json({**failure, "error": str(error)}))


def alert_record(alert: Alert) -> dict[str, object]:
    """The alert as the JSON-able record both sinks keep."""
    return {
        "severity": alert.severity,
        "code": alert.code,
        "message": alert.message,
        "raised_at": alert.raised_at,
        "context": {str(k): _plain(v) for k, v in alert.context.items()},
    }


def _plain(value: object) -> object:
    """Keep a context value if it has a canonical encoding, else its text."""
    try:
        canonical_bytes(value)
    except TradecoreError:
        return str(value)
    return value


def _json(record: dict[str, object]) -> str:
    return canonical_bytes(record).decode("ascii")
