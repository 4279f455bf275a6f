"""``tradecore-live run`` over a recorded bar stream: simulated broker and dry run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import OutcomeKind
from tradecore.domain.risk.trading_state import TradingState

runner = CliRunner()
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
STRATEGY = ["--param", "fast=5", "--param", "slow=20", "--param", "qty=10"]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    db, bars = tmp_path / "live.db", tmp_path / "bars"
    sqlite_store(db).close()
    write_bar_files(bars, generate_bars(["AAA", "BBB"], 200, start=START, seed=2))
    return db, bars


def _run(db: Path, *args: str, broker: str | None = None) -> tuple[int, str]:
    env = {"TRADECORE_BROKER": broker} if broker else {}
    result = runner.invoke(
        app, ["--database-url", f"sqlite:///{db}", "run", *args], env=env
    )
    return result.exit_code, result.output


def _stored(db: Path) -> tuple[list[IntentStatus], list[OutcomeKind], int]:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            statuses = [i.status for i in uow.intents.by_status(*IntentStatus)]
            outcomes = [o.kind for o in uow.decisions.all_outcomes()]
            fills = len(uow.fills.all())
            assert uow.decisions.decisions_without_outcome() == []
            return statuses, outcomes, fills
    finally:
        store.close()


def test_run_on_the_simulated_broker_trades_and_records(
    setup: tuple[Path, Path],
) -> None:
    db, bars = setup
    code, output = _run(db, "--bars", str(bars), *STRATEGY, broker="simulated")
    assert code == 0, output
    assert "bars: 400" in output
    assert "recovery: clean" in output
    statuses, outcomes, fills = _stored(db)
    assert fills == len(statuses) > 5
    assert set(statuses) == {IntentStatus.FILLED}
    assert set(outcomes) == {OutcomeKind.SUBMITTED}


def test_dry_run_records_orders_and_fills_nothing(setup: tuple[Path, Path]) -> None:
    db, bars = setup
    code, output = _run(db, "--bars", str(bars), *STRATEGY, "--dry-run")
    assert code == 0, output
    statuses, _, fills = _stored(db)
    assert fills == 0
    assert statuses
    assert set(statuses) == {IntentStatus.ACKED}


def test_run_refuses_without_a_broker_or_for_real_money(
    setup: tuple[Path, Path],
) -> None:
    db, bars = setup
    code, output = _run(db, "--bars", str(bars))
    assert code == errors.CONFIG_OR_AUTH
    assert "needs a broker" in output
    code, output = _run(db, "--bars", str(bars), "--live", broker="simulated")
    assert code == errors.CONFIG_OR_AUTH
    assert "needs both `run --live`" in output


def test_a_halted_store_places_nothing(setup: tuple[Path, Path]) -> None:
    db, bars = setup
    store = sqlite_store(db)
    with store.unit_of_work() as uow:
        uow.controls.set_trading_state(TradingState.HALTED, "test")
        uow.commit()
    store.close()
    code, output = _run(db, "--bars", str(bars), *STRATEGY, broker="simulated")
    assert code == 0, output
    statuses, outcomes, _ = _stored(db)
    assert statuses == []
    assert outcomes
    assert set(outcomes) == {OutcomeKind.SKIPPED}


def test_reconcile_without_a_broker_says_so(setup: tuple[Path, Path]) -> None:
    db, _ = setup
    result = runner.invoke(app, ["--database-url", f"sqlite:///{db}", "reconcile"])
    assert result.exit_code == errors.UNAVAILABLE
    assert "no broker configured" in result.output


def test_reconcile_reports_what_a_fresh_broker_does_not_know(
    setup: tuple[Path, Path],
) -> None:
    db, bars = setup
    code, _ = _run(db, "--bars", str(bars), *STRATEGY, broker="simulated")
    assert code == 0
    result = runner.invoke(
        app,
        ["--database-url", f"sqlite:///{db}", "reconcile"],
        env={"TRADECORE_BROKER": "simulated"},
    )
    assert result.exit_code == 0, result.output
    # The simulated broker of this command is a new one: it holds none of the
    # stored positions, and reconcile reports each one rather than trading.
    assert "checked 0 open intent(s)" in result.output
    assert "quantity_mismatch" in result.output
    assert "reported; broker position is the truth for risk" in result.output
    alerts = [p["code"] for _, p in audit_rows(db, "alert")]
    assert alerts[-1] == "reconcile.mismatch"
