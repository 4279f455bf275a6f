"""Scrape a running ``tradecore-live run`` process: /metrics, /health and its JSON log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from tests.loopback import free_port
from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
SECRET = "whsec-never-in-logs"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "tradecore-live exited before serving"
        try:
            status, body = _get(f"{base}/health")
        except OSError:
            time.sleep(0.05)
            continue
        if status == 200:
            health: dict = json.loads(body)
            return health
        time.sleep(0.05)
    raise AssertionError("/health never became ready")


def _scrape_until(base: str, wanted: str, process: subprocess.Popen[bytes]) -> str:
    """Scrape /metrics until ``wanted`` shows (orders fill a few cycles in)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        _, metrics = _get(f"{base}/metrics")
        if wanted in metrics:
            return metrics
        time.sleep(0.05)
    raise AssertionError(f"{wanted} never appeared in /metrics")


def test_a_running_process_serves_metrics_health_and_logs_cycles(
    tmp_path: Path,
) -> None:
    bars, db = tmp_path / "bars", tmp_path / "live.db"
    write_bar_files(bars, generate_bars(["AAA", "BBB"], 120, start=START, seed=2))
    sqlite_store(db).close()
    port = free_port()
    config = tmp_path / "tc.toml"
    config.write_text(
        f'[observability]\nport = {port}\n[alerts.webhook]\nurl = "http://127.0.0.1:9/x"\n'
        '[[alerts.routes]]\nsinks = ["log", "store"]\n'
        "[risk.breakers.daily_loss]\nmax_loss = 1000000\n"
    )
    env = {
        **os.environ,
        "TRADECORE_BROKER": "simulated",
        "TRADECORE_WEBHOOK_SECRET": SECRET,
    }
    command = [
        sys.executable,
        "-m",
        "tradecore.apps.live.main",
        "--config",
        str(config),
    ]
    command += ["--database-url", f"sqlite:///{db}", "run", "--bars", str(bars)]
    command += ["--param", "fast=5", "--param", "slow=20", "--param", "qty=10"]
    command += ["--pace", "0.05", "--max-cycles", "60"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        health = _wait_ready(base, process)
        metrics = _scrape_until(base, 'tradecore_fills_total{side="buy"}', process)
        status, live = _get(f"{base}/health/live")
    finally:
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()[-2000:]
    assert set(health["components"]) == {"broker", "data_feed", "store", "manifest"}
    assert all(c["ok"] for c in health["components"].values())
    assert "no manifest" in health["components"]["manifest"]["detail"]
    assert health["components"]["data_feed"]["detail"].endswith("feed file (full)")
    assert 'tradecore_data_degraded{feed="file"} 0.0' in metrics
    assert status == 200
    assert json.loads(live) == {"status": "alive"}
    assert 'tradecore_orders_total{outcome="submitted",reason="none"}' in metrics
    assert 'tradecore_fills_total{side="buy"}' in metrics
    assert 'tradecore_open_intents{status="acked"}' in metrics
    assert 'tradecore_pnl{kind="realized"}' in metrics
    assert 'tradecore_exposure{kind="gross"}' in metrics
    assert 'tradecore_breaker_tripped{breaker="daily_loss"} 0.0' in metrics
    lines = [
        json.loads(line) for line in err.decode().splitlines() if line.startswith("{")
    ]
    assert SECRET not in err.decode() + out.decode()
    first = lines[0]
    assert first["message"] == "effective config"
    assert first["config"]["alerts"]["webhook"]["secret"] == "***"
    cycles = [r["cycle_summary"] for r in lines if r["message"] == "cycle summary"]
    assert len(cycles) == 60
    assert sum(c["submitted"] for c in cycles) > 0
    assert {
        "skipped",
        "broker_locked_out",
        "lockout_until",
        "rate_limit_budget_left",
    } <= set(cycles[0])
