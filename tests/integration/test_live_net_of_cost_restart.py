"""``tradecore-live run`` SIGKILLed mid-parent and started again goes on as if never killed.

Three real processes on the simulated broker and the same config: a reference run
over the whole bar stream, a run killed (SIGKILL, mid-cycle) while a TWAP parent has
sent two of its four slices, and a restart on the same store fed the bars from the
one the killed process was on. The restarted process must send the parent's two
remaining slices under the reference's client order ids (none twice), finish the
parent, close the round trip it opened, and size its later Kelly trades exactly as
the reference did, which it can only do with the posterior and calibrator it rebuilt
from the store.

The simulated broker lives in the process, so the restart meets a fresh one (with
another seed: ids of its own, as any broker's): the test kills at a bar where no
order is open (the two slices sent are filled), so the fresh broker owes the store
nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.integration.net_restart_strategy import HOLD_AT_ENV, PARENT_BAR, START
from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import ShapeParams, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.services.execution.tca_store import parent_progress, sliced_children

ROOT = Path(__file__).resolve().parents[2]
BARS = 130
HOLD_AT = PARENT_BAR + 7  # slices 0 and 1 sent and filled, 2 and 3 to come
STRATEGY = "tests.integration.net_restart_strategy:ScriptedTargets"
CONFIG = """
[broker]
kind = "simulated"

[execution]
enabled = true
urgency_minutes = 20
spread_bps = 4.0
calibrate_probability_after = 2
"""


def _frame() -> BarFrame:
    params = ShapeParams(volatility=0.002, volume=10_000.0)
    (frame,) = generate_bars(("AAA",), BARS, start=START, seed=11, params=params)
    return frame


def _command(config: Path, db: Path, bars: Path, seed: int = 7) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tradecore.apps.live.main",
        "--config",
        str(config),
        "--database-url",
        f"sqlite:///{db}",
        "run",
        "--bars",
        str(bars),
        "--strategy",
        STRATEGY,
        "--seed",
        str(seed),
    ]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADECORE_")}
    env.pop(HOLD_AT_ENV, None)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **extra}


def _run(command: list[str]) -> None:
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _run_and_kill(command: list[str]) -> None:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_env(**{HOLD_AT_ENV: str(HOLD_AT)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == f"holding {HOLD_AT}":
                break
        else:
            pytest.fail(f"the process ended before bar {HOLD_AT}")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        if process.stdout is not None:
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL


def _books(db: Path) -> dict[str, object]:
    store = sqlite_store(db)
    try:
        with store.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
            children = sliced_children(uow)
            parents = {
                cid: parent_progress(uow, cid).status for cid in sorted(children)
            }
            sizings = [
                (d.decided_at, d.details["sizing"])
                for d in uow.decisions.all_decisions()
                if "sizing" in d.details
            ]
            return {
                "orders": [
                    (i.client_order_id, i.status, i.spec.qty, i.filled_qty)
                    for i in intents
                ],
                "fills": [(f.client_order_id, f.qty, f.price) for f in uow.fills.all()],
                "children": {
                    p: [c.client_order_id for c in cs] for p, cs in children.items()
                },
                "parents": parents,
                "sizings": sizings,
            }
    finally:
        store.close()


@pytest.mark.heavy
def test_a_killed_live_run_resumes_the_parent_and_sizes_as_the_reference(
    tmp_path: Path,
) -> None:
    frame = _frame()
    config = tmp_path / "tc.toml"
    config.write_text(CONFIG)
    whole, rest = tmp_path / "bars", tmp_path / "bars-after-kill"
    write_bar_files(whole, [frame])
    write_bar_files(rest, [frame.rows(HOLD_AT, BARS)])
    reference_db, db = tmp_path / "reference.db", tmp_path / "killed.db"
    sqlite_store(reference_db).close()
    sqlite_store(db).close()

    _run(_command(config, reference_db, whole))
    _run_and_kill(_command(config, db, whole))
    at_kill = _books(db)
    ((parent, sent),) = at_kill["children"].items()  # type: ignore[attr-defined]
    assert len(sent) == 2
    assert {status for _, status, _, _ in at_kill["orders"]} == {  # type: ignore[attr-defined]
        IntentStatus.FILLED
    }
    # A new broker: a simulated one with the old seed would reuse the dead one's
    # order and execution ids (its fills would be dropped as already stored).
    _run(_command(config, db, rest, seed=8))

    reference, books = _books(reference_db), _books(db)
    assert books["children"] == reference["children"]  # the same child ids
    children = books["children"][parent]  # type: ignore[index]
    assert len(children) == 4
    assert children[:2] == sent
    assert books["parents"] == reference["parents"]
    assert set(books["parents"].values()) == {IntentStatus.FILLED}  # type: ignore[attr-defined]
    assert books["orders"] == reference["orders"]  # no duplicate, same sizes
    assert books["fills"] == reference["fills"]
    # Every Kelly sizing (posterior, interval, calibrated probability, shares) is
    # the reference's, the two made after the restart included.
    assert books["sizings"] == reference["sizings"]
    restart = START + timedelta(minutes=HOLD_AT)
    assert len([at for at, _ in books["sizings"] if at > restart]) == 2  # type: ignore[attr-defined]
