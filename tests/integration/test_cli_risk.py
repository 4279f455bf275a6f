"""``tradecore-live kill | status | state | breaker`` end to end with CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.risk_support import audit_rows, sqlite_store
from tradecore.apps.live.main import app
from tradecore.apps.wiring import errors
from tradecore.domain.risk.trading_state import TradingState

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    sqlite_store(path).close()  # migrated
    return path


def run(db: Path, *args: str, broker: str | None = None) -> tuple[int, str]:
    env = {"TRADECORE_BROKER": broker} if broker else {}
    result = runner.invoke(app, ["--database-url", f"sqlite:///{db}", *args], env=env)
    # The command's output and error lines, without the log lines (JSON off a
    # terminal) that the alert "log" sink writes to stderr alongside them.
    lines = result.output.splitlines(keepends=True)
    return result.exit_code, "".join(x for x in lines if not x.startswith('{"'))


def stored_state(db: Path) -> TradingState:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            return uow.controls.get_trading_state().state
    finally:
        store.close()


def trip(db: Path, name: str = "daily_loss") -> None:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            uow.controls.set_breaker(name, tripped=True, reason="tripped: loss=9000")
            uow.commit()
    finally:
        store.close()


def test_kill_without_a_broker_halts_and_exits_non_zero(db: Path) -> None:
    code, output = run(db, "kill", "--reason", "fat finger", "--flatten")
    assert code == errors.UNAVAILABLE
    assert "trading HALTED: fat finger" in output
    assert "orders could NOT be cancelled at the broker: no broker configured" in output
    assert stored_state(db) is TradingState.HALTED
    assert [k for k, _ in audit_rows(db) if k.startswith("kill")] == [
        "kill_switch",
        "kill_switch_done",
    ]
    assert audit_rows(db, "alert")[0][1]["code"] == "kill_switch.engaged"


def test_kill_with_the_simulated_broker_completes(db: Path) -> None:
    code, output = run(db, "kill", "--reason", "drill", broker="simulated")
    assert (code, stored_state(db)) == (0, TradingState.HALTED)
    assert "cancelled: 0 order(s)" in output


def test_kill_needs_a_reason(db: Path) -> None:
    code, output = run(db, "kill")
    assert code == errors.USAGE
    assert "--reason" in output
    assert stored_state(db) is TradingState.ACTIVE


def test_state_set_and_show(db: Path) -> None:
    assert run(db, "state", "set", "REDUCING", "--reason", "earnings") == (
        0,
        "trading state: REDUCING (earnings)\n",
    )
    assert run(db, "state", "show") == (0, "trading state: REDUCING (earnings)\n")
    code, output = run(db, "state", "set", "PAUSED", "--reason", "x")
    assert code == errors.USAGE
    assert "PAUSED" in output


def test_active_with_a_tripped_breaker_needs_approval_or_force(db: Path) -> None:
    trip(db)
    code, output = run(db, "state", "set", "active", "--reason", "go")
    assert code == errors.DOMAIN
    assert "breakers still tripped: daily_loss" in output
    code, _ = run(db, "state", "set", "active", "--reason", "cro says go", "--force")
    assert (code, stored_state(db)) == (0, TradingState.ACTIVE)


def test_breaker_approve_and_list(db: Path) -> None:
    trip(db)
    code, output = run(db, "breaker", "approve", "daily_loss", "--reason", "gap day")
    assert code == 0
    assert "approved: gap day" in output
    code, output = run(db, "breaker", "list")
    assert code == 0
    assert output.startswith("daily_loss  TRIPPED  approved: gap day")
    code, output = run(db, "breaker", "approve", "nope", "--reason", "x")
    assert code == errors.DOMAIN
    assert "no such breaker (known: daily_loss)" in output


def test_status_shows_the_store_and_says_what_it_cannot_reach(db: Path) -> None:
    trip(db)
    run(db, "kill", "--reason", "halt for status")
    code, output = run(db, "status")
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("trading state: HALTED (kill: halt for status)")
    assert "  daily_loss  TRIPPED  tripped: loss=9000" in output
    assert "open orders (store): 0" in output
    assert "broker: not reachable: no broker configured" in output
    code, output = run(db, "status", broker="simulated")
    assert "broker: 0 open order(s)" in output
    assert "account: cash 100000" in output
