"""Config → router → real webhook and SMTP servers: a breaker storm, de-duplicated."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.loopback import http_receiver, smtp_server
from tradecore.adapters.alerts import SIGNATURE_HEADER
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.settings import load_settings
from tradecore.apps.wiring.alerting import build_alert_router
from tradecore.domain.errors import ConfigurationError
from tradecore.ports.alerts import Alert, Severity

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def _config(tmp_path: Path, webhook_url: str, smtp_port: int) -> Path:
    path = tmp_path / "tc.toml"
    path.write_text(
        f"""
[alerts]
window_s = 60
kill_switch_codes = ["breaker.daily_loss"]
[alerts.webhook]
url = "{webhook_url}"
retries = 1
[alerts.smtp]
host = "127.0.0.1"
port = {smtp_port}
starttls = false
sender = "tc@example.test"
recipients = ["oncall@example.test"]
[[alerts.routes]]
sinks = ["webhook", "email"]
min_severity = "critical"
[[alerts.routes]]
sinks = ["log", "store"]
"""
    )
    return path


def test_a_breaker_storm_reaches_webhook_and_mail_once_and_trips_the_kill_switch(
    tmp_path: Path,
) -> None:
    clock = SimClock(T0)
    store = open_store(f"sqlite:///{tmp_path / 'tc.db'}", upgrade=True)
    tripped: list[str] = []
    with http_receiver() as receiver, smtp_server() as box:
        settings = load_settings(
            _config(tmp_path, receiver.url, box.port),
            {"TRADECORE_WEBHOOK_SECRET": "whsec"},
            {},
        )
        router = build_alert_router(
            settings.alerts,
            clock,
            store=store,
            kill_switch=lambda a: tripped.append(a.code),
        )
        for _ in range(50):
            router.send(
                Alert(
                    severity=Severity.CRITICAL,
                    code="breaker.daily_loss",
                    message="daily loss limit breached",
                    raised_at=clock.now(),
                    context={"loss": "-5200.00", "limit": "-5000.00"},
                )
            )
            clock.advance(1)
        router.send(
            Alert(severity=Severity.INFO, code="cycle.done", message="ok", raised_at=T0)
        )
    assert tripped == ["breaker.daily_loss"]
    [request] = receiver.requests
    digest = hmac.new(b"whsec", request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == f"sha256={digest}"
    assert json.loads(request.body)["context"]["kill_switch"] == "tripped"
    assert len(box.messages) == 1
    with store.unit_of_work() as uow:
        assert uow.audit.verify().rows == 2  # the breaker alert and cycle.done
    store.close()


def test_a_route_to_an_unconfigured_sink_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tc.toml"
    path.write_text('[[alerts.routes]]\nsinks = ["webhook"]\n')
    settings = load_settings(path, {}, {})
    with pytest.raises(ConfigurationError, match="unknown sinks"):
        build_alert_router(settings.alerts, SimClock(T0))


def test_a_webhook_without_a_secret_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "tc.toml"
    path.write_text('[alerts.webhook]\nurl = "https://hooks.example.test/x"\n')
    with pytest.raises(ConfigurationError, match="secret"):
        build_alert_router(load_settings(path, {}, {}).alerts, SimClock(T0))
