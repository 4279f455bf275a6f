"""The store + structured-log alert sink: both records, and never a raise."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.risk_support import T0, audit_rows, sqlite_store
from tradecore.adapters.alerts.store_log_sink import LOGGER_NAME, StoreLogAlertSink
from tradecore.domain.errors import StoreUnavailable
from tradecore.ports.alerts import Alert, Severity
from tradecore.ports.store import UnitOfWork


def _alert(**context: object) -> Alert:
    return Alert(
        severity=Severity.CRITICAL,
        code="breaker_tripped",
        message="circuit breaker daily_loss tripped",
        raised_at=T0,
        context=context,
    )


def test_an_alert_goes_to_the_audit_log_and_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "alerts.db"
    store = sqlite_store(db)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
            StoreLogAlertSink.on_store(store).send(_alert(loss="1100.00", n=3))
    finally:
        store.close()
    expected = {
        "severity": "critical",
        "code": "breaker_tripped",
        "message": "circuit breaker daily_loss tripped",
        "raised_at": T0.isoformat(),
        "context": {"loss": "1100.00", "n": 3},
    }
    assert audit_rows(db, "alert") == [("alert", expected)]
    (record,) = caplog.records
    assert record.levelno == logging.CRITICAL
    assert json.loads(record.getMessage()) == expected


def test_a_context_value_without_an_encoding_is_kept_as_text(tmp_path: Path) -> None:
    db = tmp_path / "alerts.db"
    store = sqlite_store(db)
    try:
        StoreLogAlertSink.on_store(store).send(_alert(where=object))
    finally:
        store.close()
    assert audit_rows(db, "alert")[0][1]["context"] == {"where": "<class 'object'>"}


def test_a_store_that_is_down_never_stops_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @contextmanager
    def broken() -> Iterator[UnitOfWork]:
        raise StoreUnavailable("database is locked")
        yield  # pragma: no cover

    sink = StoreLogAlertSink(broken)
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        sink.send(_alert())
    assert sink.failures == 1
    assert caplog.records[-1].levelno == logging.ERROR
    assert "database is locked" in caplog.records[-1].getMessage()
