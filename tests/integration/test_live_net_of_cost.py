"""Live with ``[execution] enabled``: net-of-cost decisions, daily TCA and calibration."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CONFIG = """
[broker]
kind = "simulated"

[execution]
enabled = true
urgency_minutes = 20
spread_bps = 4.0
"""


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    db, bars, config = tmp_path / "live.db", tmp_path / "bars", tmp_path / "tc.toml"
    sqlite_store(db).close()
    frames = generate_bars(
        ["AAA", "BBB"], 400, start=START, seed=4, shape=Shape.ONE_FACTOR
    )
    write_bar_files(bars, frames)
    config.write_text(CONFIG)
    return db, bars, config


def _cli(db: Path, config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["--config", str(config), "--database-url", f"sqlite:///{db}", *args]
    )
    return result.exit_code, result.output


def test_a_live_day_trades_net_of_cost_then_is_measured_and_calibrated(
    setup: tuple[Path, Path, Path],
) -> None:
    db, bars, config = setup
    code, output = _cli(
        db,
        config,
        "run",
        "--bars",
        str(bars),
        "--strategy",
        "sma_edge",
        "--param",
        "confidence_bps=5",
    )
    assert code == 0, output
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
            pinned = uow.cost_models.latest()
    finally:
        store.close()
    assert intents
    assert {i.execution_policy for i in intents} <= {
        "passive_limit",
        "marketable_limit",
        "twap",
        "pov",
    }
    assert pinned is not None
    assert pinned.version_hash == CostModelParams().version_hash  # the prior
    assert {i.cost_model_hash for i in intents} == {pinned.version_hash}

    code, output = _cli(db, config, "tca", "--date", "2026-01-05")
    assert code == 0, output
    assert "by policy" in output
    assert "sma_edge_10_30" in output

    code, output = _cli(db, config, "cost-model", "calibrate", "--date", "2026-01-05")
    assert code == 0, output
    assert "stored cost-model version" in output
    fitted = output.split("version ")[1].split()[0]
    code, output = _cli(db, config, "cost-model", "show")
    assert code == 0, output
    assert f"version: {fitted}" in output
    assert pinned.version_hash in output  # the new version names its parent


def test_tca_and_calibrate_refuse_a_malformed_date(
    setup: tuple[Path, Path, Path],
) -> None:
    db, _, config = setup
    for args in (
        ("tca", "--date", "05/01/2026"),
        ("cost-model", "calibrate", "--date", "x"),
    ):
        code, output = _cli(db, config, *args)
        assert code != 0
        assert "expected YYYY-MM-DD" in output


def test_a_day_without_fills_keeps_the_version(setup: tuple[Path, Path, Path]) -> None:
    db, _, config = setup
    code, output = _cli(db, config, "cost-model", "calibrate", "--date", "2026-01-05")
    assert code == 0, output
    assert "no filled orders on 2026-01-05" in output
    code, output = _cli(db, config, "tca", "--date", "2026-01-05")
    assert code == 0, output
    assert "no orders" in output
