"""The log sink and the store (audit log) sink."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tradecore.adapters.alerts import LogSink, StoreAlertSink
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import AlertDeliveryFailed
from tradecore.ports.alerts import Alert, Severity

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
ALERT = Alert(
    severity=Severity.CRITICAL,
    code="kill_switch.engaged",
    message="kill switch engaged by ops",
    raised_at=T0,
    context={"reason": "manual", "smtp_password": "hunter2"},
)


def test_log_sink_logs_at_the_severity_with_the_payload(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="tradecore.alerts.sink"):
        LogSink(SimClock(T0)).deliver(ALERT)
    [record] = caplog.records
    assert record.levelno == logging.CRITICAL
    assert (
        record.getMessage() == "alert kill_switch.engaged: kill switch engaged by ops"
    )
    payload = record.alert  # type: ignore[attr-defined]
    assert payload["context"] == {"reason": "manual", "smtp_password": "***"}


def test_store_sink_appends_to_the_audit_chain(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}", upgrade=True)
    try:
        sink = StoreAlertSink(store, SimClock(T0))
        sink.deliver(ALERT)
        sink.deliver(ALERT)
        with store.unit_of_work() as uow:
            assert uow.audit.verify().rows == 2
            assert uow.audit.verify().intact
    finally:
        store.close()


def test_store_sink_translates_an_unusable_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}", upgrade=True)
    sink = StoreAlertSink(store, SimClock(T0))
    (tmp_path / "a.db").unlink()
    (tmp_path / "a.db").mkdir()  # the path is now a directory: nothing can open it
    store.close()
    with pytest.raises(AlertDeliveryFailed, match="store sink"):
        sink.deliver(ALERT)
