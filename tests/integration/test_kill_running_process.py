"""``tradecore-live kill --flatten`` against a trading process running elsewhere.

Two real processes share one SQLite store: ``tests/integration/kill_target.py``
trades every 40 ms through the real engine and the simulated broker (which lives
inside that process), and the ``tradecore-live kill`` command, run as a subprocess
while it trades. What is verified, precisely:

* the command persists HALTED (with the flatten request) and, having no broker of
  its own (``[broker] kind = none``), says it could not cancel and exits 4;
* the trading process notices the kill within one cycle (its ``kill_switch_done``
  audit entry, written by the trading process, is at most a few cycles after the
  kill's time) and, with its own broker, cancels its open orders (the resting bid
  included) and flattens;
* after the trading process noticed, no strategy order was decided at all; between
  the kill's commit and that moment, at most one cycle's worth (one per symbol) could
  be in flight, and those were cancelled or flattened like the rest;
* at the end the broker of the trading process has no open order and no position,
  every stored intent is final, and the stored fills net to zero per symbol.

Not verified here: a kill reaching a broker shared by two processes (the only broker
adapter is in-process); the kill switch's own cancels against a reachable broker are
covered by tests/unit/services/test_kill_switch.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.isolation import isolated_dirs_env
from tests.risk_support import audit_rows, sqlite_store
from tradecore.apps.wiring import errors
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.risk.kill_request import kill_request_of
from tradecore.domain.risk.trading_state import TradingState
from tradecore.services.controls.kill_switch import KILL_STRATEGY_ID

ROOT = Path(__file__).resolve().parents[2]
CYCLE = timedelta(milliseconds=40)


def _live_command() -> list[str]:
    script = Path(sys.executable).with_name("tradecore-live")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tradecore.apps.live.main"]


def _wait_for_cycles(process: subprocess.Popen[str], cycles: int) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("cycle ") and int(line.split()[1]) >= cycles:
            return
    process.kill()
    pytest.fail(f"the trading process never reached cycle {cycles}")


def test_kill_flatten_stops_a_trading_process_and_it_clears_its_broker(
    tmp_path: Path,
) -> None:
    db = tmp_path / "shared.db"
    sqlite_store(db).close()  # migrated, empty
    target = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.kill_target", str(db), "30"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_cycles(target, 15)  # trading, with positions and working orders
        kill = subprocess.run(
            [
                *_live_command(),
                "--database-url",
                f"sqlite:///{db}",
                "kill",
                "--reason",
                "test",
                "--flatten",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": "/usr/bin:/bin",
                "TRADECORE_BROKER": "none",
                **isolated_dirs_env(),
            },
        )
        out, err = target.communicate(timeout=60)
    finally:
        if target.poll() is None:
            target.kill()
    assert target.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])

    # the command: HALTED persisted first, no broker to reach, exit 4
    assert kill.returncode == errors.UNAVAILABLE, kill.stdout + kill.stderr
    assert "trading HALTED: test" in kill.stdout
    assert "no broker configured" in kill.stderr

    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            state = uow.controls.get_trading_state()
            intents = list(uow.intents.by_status(*IntentStatus))
            open_intents = list(uow.intents.open_intents())
            fills = list(uow.fills.all())
    finally:
        store.close()
    request = kill_request_of(state)
    assert state.state is TradingState.HALTED
    assert request is not None
    assert request.flatten
    killed_at = request.killed_at

    # the trading process answered it, within a cycle, with its own broker
    done = {p["by"]: p for _, p in audit_rows(db, "kill_switch_done")}
    assert set(done) == {"kill command", "trading process"}
    assert done["kill command"]["complete"] is False
    answer = done["trading process"]
    # Complete at once, or (an order of its own still in flight, not yet listed by
    # the broker) held back and finished by the follow-up rounds: the end below is
    # flat either way, and a flatten never crosses zero.
    assert answer["complete"] or answer["flatten_held_back"] or answer["unconfirmed"]
    assert answer["kill_id"] == request.kill_id
    noticed_at = datetime.fromisoformat(answer["acted_at"])
    assert killed_at <= noticed_at <= killed_at + 3 * CYCLE + timedelta(seconds=1)
    resting = [i for i in intents if i.decision_key.strategy_id == "resting"]
    assert len(resting) == 1
    assert resting[0].client_order_id in answer["canceled"]
    assert resting[0].status is IntentStatus.CANCELED
    assert answer["flatten_orders"]  # it held positions when killed

    # no strategy order after the kill was noticed; at most one cycle in flight
    strategy = [i for i in intents if i.decision_key.strategy_id == "ticker"]
    assert len(strategy) > 20  # it really was trading
    assert [i for i in strategy if i.decided_at >= noticed_at] == []
    in_flight = [i for i in strategy if i.decided_at > killed_at]
    assert len(in_flight) <= 2  # one cycle, one order per symbol at most
    flatten = [i for i in intents if i.decision_key.strategy_id == KILL_STRATEGY_ID]
    # The first answer's flatten orders, and those of any follow-up round that
    # finished a flatten it held back (a loaded machine makes those likelier).
    follow_ups = [
        p
        for _, p in audit_rows(db, "kill_switch_follow_up")
        if p["by"] == "trading process"
    ]
    sent = set(answer["flatten_orders"]).union(
        *(p["flatten_orders"] for p in follow_ups)
    )
    assert {i.client_order_id for i in flatten} == sent
    assert all(i.decided_at >= killed_at for i in flatten)

    # the end: nothing open, flat at the broker and in the stored fills
    assert summary["answered_kill"] is True
    assert summary["open_orders"] == []
    assert summary["positions"] == {}
    assert open_intents == []
    net: dict[str, Decimal] = defaultdict(Decimal)
    for fill in fills:
        net[fill.symbol] += fill.signed_qty
    assert set(net.values()) == {Decimal(0)}
    assert "kill_switch.engaged" in summary["alerts"]
