"""A live-on-sim run trips a breaker: one webhook (valid HMAC) and one e-mail arrive."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from tests.loopback import http_receiver, smtp_server
from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.alerts import SIGNATURE_HEADER
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.risk.trading_state import TradingState

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SECRET = "whsec-breaker-test"


def _config(path: Path, webhook: str, smtp_port: int, kill: bool) -> Path:
    path.write_text(
        f"""
[risk.breakers.daily_loss]
max_loss = 1
trip_state = "halted"
[alerts]
window_s = 86400
kill_switch_codes = {'["breaker.tripped"]' if kill else "[]"}
[alerts.webhook]
url = "{webhook}"
retries = 1
[alerts.smtp]
host = "127.0.0.1"
port = {smtp_port}
starttls = false
sender = "tradecore@example.test"
recipients = ["oncall@example.test"]
[[alerts.routes]]
sinks = ["webhook", "email"]
codes = ["breaker.*"]
min_severity = "critical"
[[alerts.routes]]
sinks = ["log", "store"]
"""
    )
    return path


def _run(tmp_path: Path, *, kill: bool) -> tuple[Path, list, list, str]:
    bars, db = tmp_path / "bars", tmp_path / "live.db"
    write_bar_files(bars, generate_bars(["AAA", "BBB"], 200, start=START, seed=2))
    sqlite_store(db).close()
    with http_receiver() as receiver, smtp_server() as box:
        config = _config(tmp_path / "tc.toml", receiver.url, box.port, kill)
        result = runner.invoke(
            app,
            [
                *("--config", str(config), "--database-url", f"sqlite:///{db}"),
                *("run", "--bars", str(bars)),
                *("--param", "fast=5", "--param", "slow=20", "--param", "qty=10"),
            ],
            env={"TRADECORE_BROKER": "simulated", "TRADECORE_WEBHOOK_SECRET": SECRET},
        )
    assert result.exit_code == 0, result.output
    return db, receiver.requests, box.messages, result.output


def test_a_breaker_trip_reaches_the_webhook_and_the_mailbox_once(
    tmp_path: Path,
) -> None:
    db, requests, messages, output = _run(tmp_path, kill=False)
    [request] = requests
    digest = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == f"sha256={digest}"
    body = json.loads(request.body)
    assert body["code"] == "breaker.tripped"
    assert body["severity"] == "critical"
    assert body["context"]["breaker"] == "daily_loss"
    assert body["count"] == 1
    [mail] = messages
    assert "breaker.tripped" in mail.content.decode()
    assert mail.rcpt_tos == ["oncall@example.test"]
    assert SECRET not in output
    [(_, trip)] = audit_rows(db, "breaker_tripped")
    assert trip["breaker"] == "daily_loss"
    alerts = [p["code"] for _, p in audit_rows(db, "alert")]
    assert alerts.count("breaker.tripped") == 1


def test_a_configured_critical_code_trips_the_kill_switch_and_says_so(
    tmp_path: Path,
) -> None:
    db, requests, _, _ = _run(tmp_path, kill=True)
    [request] = requests
    body = json.loads(request.body)
    assert body["context"]["kill_switch"] == "tripped"
    assert "kill switch tripped" in body["message"]
    kills = [p for _, p in audit_rows(db, "kill_switch_done")]
    assert kills
    assert kills[0]["reason"].startswith("alert breaker.tripped")
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            assert uow.controls.get_trading_state().state is TradingState.HALTED
    finally:
        store.close()


def test_the_kill_command_reaches_the_webhook_too(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    sqlite_store(db).close()
    with http_receiver() as receiver, smtp_server() as box:
        config = _config(tmp_path / "tc.toml", receiver.url, box.port, kill=False)
        config.write_text(
            config.read_text().replace('codes = ["breaker.*"]', 'codes = ["kill_*"]')
        )
        result = runner.invoke(
            app,
            [
                *("--config", str(config), "--database-url", f"sqlite:///{db}"),
                *("kill", "--reason", "runaway strategy"),
            ],
            env={"TRADECORE_WEBHOOK_SECRET": SECRET},
        )
    assert "trading HALTED: runaway strategy" in result.output
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["code"] == "kill_switch.engaged"
    assert "runaway strategy" in body["message"]
    assert len(box.messages) == 1
