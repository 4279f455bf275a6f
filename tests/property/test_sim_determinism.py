"""Same seed and inputs give the same event log, byte for byte, in any process.

The seeds, symbol sets and hash seeds come from tests/seed_matrix.py: one case in a
plain run, a matrix under ``nox -s seeds``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import seed_matrix
from tests.property.sim_flow import (
    SYMBOLS,
    event_log_digest,
    make_broker,
    random_steps,
    run_flow,
)
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.venue.fill_models import FillModel

ROOT = Path(__file__).resolve().parents[2]


def _cases(default_seed: int) -> list[object]:
    return [
        pytest.param(seed, symbols, id=seed_matrix.case_id(seed, symbols))
        for seed in seed_matrix.seeds(default_seed)
        for symbols in seed_matrix.symbol_sets(SYMBOLS)
    ]


@pytest.mark.parametrize(("seed", "symbols"), _cases(42))
def test_two_runs_with_one_seed_log_identical_bytes(seed, symbols):
    steps = random_steps(3, symbols=symbols)
    logs = []
    for _ in range(2):
        broker, clock = make_broker(seed, FillModel.realistic())
        logs.append(canonical_bytes(run_flow(broker, clock, steps)))
    assert logs[0] == logs[1]


def test_the_flow_exercises_fills_cancels_rejects_and_replaces():
    broker, clock = make_broker(42, FillModel.realistic())
    kinds = {e.kind for e in run_flow(broker, clock, random_steps(0))}
    assert {
        OrderEventKind.PARTIAL_FILL,
        OrderEventKind.FILL,
        OrderEventKind.CANCELED,
        OrderEventKind.REJECTED,
        OrderEventKind.REPLACED,
        OrderEventKind.EXPIRED,
    } <= kinds


def test_another_seed_gives_another_log():
    assert event_log_digest(1) != event_log_digest(2)


@pytest.mark.parametrize(("seed", "symbols"), _cases(9))
def test_runs_in_processes_with_different_hash_seeds_agree(seed, symbols):
    here = event_log_digest(seed, symbols=symbols)
    code = (
        "from tests.property.sim_flow import event_log_digest as d; "
        f"print(d({seed}, symbols={symbols!r}))"
    )
    for hash_seed in seed_matrix.hash_seeds(("0", "12345")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert result.stdout.strip() == here
