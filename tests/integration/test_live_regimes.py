"""``tradecore-live run`` with ``[regime]``: the live loop computes the same regimes
a replay does and records them with each decision."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.market.planted_regimes import planted_regime_bars

runner = CliRunner()
CONFIG = """
[regime]
enabled = true
refit = "100"
min_history = 150
"""


def test_live_decisions_carry_their_regime(tmp_path: Path) -> None:
    db, bars, config = tmp_path / "live.db", tmp_path / "bars", tmp_path / "c.toml"
    sqlite_store(db).close()
    planted = planted_regime_bars(
        500, seed=8, start=datetime(2026, 1, 5, 14, 30, tzinfo=UTC), mean_duration=100
    )
    write_bar_files(bars, [planted.frame])
    config.write_text(CONFIG)
    result = runner.invoke(
        app,
        ["--database-url", f"sqlite:///{db}", "--config", str(config), "run",
         "--bars", str(bars), "--param", "fast=5", "--param", "slow=20"],
        env={"TRADECORE_BROKER": "simulated"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            decisions = uow.decisions.all_decisions()
    finally:
        store.close()
    regimes = [d.details.get("regime") for d in decisions]
    labelled = [r for r in regimes if isinstance(r, dict)]
    assert len(labelled) > len(decisions) // 2
    assert {r["state"] for r in labelled} <= {0, 1}
    assert all(abs(sum(r["probabilities"]) - 1) < 1e-5 for r in labelled)
