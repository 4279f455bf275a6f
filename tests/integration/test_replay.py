"""Replay end to end: parity with an independent NumPy reference, determinism across
processes, bad input, and exactly-once resume after SIGKILL.

The byte-identity test takes its seeds, symbol sets and hash seeds from
tests/seed_matrix.py (one case by default, a matrix under ``nox -s seeds``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests import seed_matrix
from tests.calendars import xnys
from tests.references import next_open_sma_cross
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay.runner import replay
from tradecore.domain.errors import BarFileError, ConfigurationError
from tradecore.domain.market.datagen import Shape, generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CASH = Decimal(10_000_000)


@pytest.mark.parametrize(
    ("shape", "seed"),
    [
        (Shape.RANDOM_WALK, 1),
        (Shape.TRENDING, 2),
        (Shape.MEAN_REVERTING, 3),
        (Shape.GAP_DOWN, 4),
        (Shape.ONE_FACTOR, 5),
    ],
)
def test_ideal_fills_match_the_numpy_reference(shape: Shape, seed: int) -> None:
    frames = generate_bars(
        ["AAA", "BBB", "CCC"],
        3000,
        start=START,
        seed=seed,
        shape=shape,
        calendar=xnys(),
    )
    result = replay(
        frames,
        "sma_cross",
        {"fast": 10, "slow": 30, "qty": 100},
        fill_model="ideal",
        cash=CASH,
    )
    fills, equity, _ = next_open_sma_cross(frames, 10, 30, 100, CASH)
    assert result.summary["fills"] == fills
    assert result.summary["final_equity"] == equity
    assert fills > 50  # the data really crossed


def _run_cli(
    out: Path, data: Path, seed: str, *extra: str, run_seed: int = 11
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    argv = [
        sys.executable, "-m", "tradecore.apps.replay.main", "run", "--data", str(data),
        "--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20",
        "--param", "qty=50", "--seed", str(run_seed), "--out", str(out), *extra,
    ]  # fmt: skip
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def bar_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bars")
    write_bar_files(folder, generate_bars(["AAA", "BBB"], 2000, start=START, seed=9))
    return folder


#: The byte-identity test's one default case: the module's bars (seed 9, AAA and BBB)
#: replayed with ``--seed`` two above the data's seed (11), as before the matrix.
DEFAULT_BARS = (9, ("AAA", "BBB"))


def _replay_cases() -> list[object]:
    return [
        pytest.param(seed, symbols, id=seed_matrix.case_id(seed, symbols))
        for seed in seed_matrix.seeds(DEFAULT_BARS[0])
        for symbols in seed_matrix.symbol_sets(DEFAULT_BARS[1])
    ]


@pytest.mark.parametrize(("seed", "symbols"), _replay_cases())
def test_two_runs_in_processes_with_different_hash_seeds_are_byte_identical(
    tmp_path: Path, bar_dir: Path, seed: int, symbols: tuple[str, ...]
) -> None:
    data = bar_dir
    if (seed, symbols) != DEFAULT_BARS:
        data = tmp_path / "bars"
        write_bar_files(
            data, generate_bars(list(symbols), 2000, start=START, seed=seed)
        )
    hash_seeds = seed_matrix.hash_seeds(("0", "4242"))
    runs = [
        _run_cli(tmp_path / f"run-{h}", data, h, run_seed=seed + 2) for h in hash_seeds
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, *others = (tmp_path / f"run-{h}" for h in hash_seeds)
    for name in (
        "summary.json",
        "fills.csv",
        "decisions.csv",
        "outcomes.csv",
        "equity.csv",
        "trades.csv",
        "report.html",
        # The store too: its audit entries and control states are stamped with the
        # simulated clock, not the wall clock (they once differed run to run).
        "replay.db",
    ):
        for other in others:
            assert (first / name).read_bytes() == (other / name).read_bytes(), name
    assert _audit_entries(first) > 0  # there were stamps to differ
    summary = json.loads((first / "summary.json").read_text())
    assert summary["fills"] > 0
    assert "seconds" not in summary


def _audit_entries(folder: Path) -> int:
    store = open_store(f"sqlite:///{folder / 'replay.db'}", upgrade=False)
    try:
        with store.unit_of_work() as uow:
            return uow.audit.verify().rows
    finally:
        store.close()


def test_a_malformed_row_names_file_line_and_field(
    tmp_path: Path, bar_dir: Path
) -> None:
    data = tmp_path / "bad"
    data.mkdir()
    lines = (bar_dir / "AAA.csv").read_text().splitlines()
    parts = lines[5].split(",")
    parts[2] = "abc"  # the high column
    lines[5] = ",".join(parts)
    (data / "AAA.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(BarFileError) as info:
        replay(data, "sma_cross", {"fast": 5, "slow": 20})
    assert "AAA.csv line 6" in str(info.value)
    assert "high" in str(info.value)
    cli = _run_cli(tmp_path / "out", data, "0")
    assert cli.returncode == 3
    assert "AAA.csv line 6" in cli.stderr


def test_unknown_strategy_and_parameter_name_the_known_ones(bar_dir: Path) -> None:
    with pytest.raises(
        ConfigurationError,
        match="bundled: donchian_breakout, momentum, rsi_reversion, sma_cross",
    ):
        replay(bar_dir, "no_such")
    with pytest.raises(ConfigurationError, match="known: fast, slow, qty"):
        replay(bar_dir, "sma_cross", {"speed": 3})


def test_an_existing_report_folder_needs_force(tmp_path: Path, bar_dir: Path) -> None:
    params = {"fast": 5, "slow": 20}
    replay(bar_dir, "sma_cross", params, out=tmp_path / "r")
    with pytest.raises(ConfigurationError, match="pass --force to replace it"):
        replay(bar_dir, "sma_cross", params, out=tmp_path / "r")
    replay(bar_dir, "sma_cross", params, out=tmp_path / "r", replace=True)


def _stored_intents(folder: Path) -> int:
    store = open_store(f"sqlite:///{folder / 'replay.db'}")
    try:
        with store.unit_of_work() as uow:
            return len(uow.intents.by_status(*IntentStatus))
    finally:
        store.close()


_KILLED_RUN = """
import os, signal, sys
from tradecore.apps.replay.runner import replay

def die_halfway(progress):
    if progress.done * 2 >= progress.total:
        os.kill(os.getpid(), signal.SIGKILL)

replay(sys.argv[1], "sma_cross", {"fast": 5, "slow": 20, "qty": 50}, seed=11,
       out=sys.argv[2], on_progress=die_halfway, commit_every=500)
"""


@pytest.mark.heavy
def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    data = tmp_path / "bars"
    write_bar_files(
        data, generate_bars(["AAA", "BBB", "CCC"], 12_000, start=START, seed=3)
    )
    params = {"fast": 5, "slow": 20, "qty": 50}
    whole = replay(data, "sma_cross", params, seed=11, out=tmp_path / "whole")
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN, str(data), str(tmp_path / "cut")],
        check=False,
    )
    assert killed.returncode == -9
    assert 0 < _stored_intents(tmp_path / "cut") < whole.summary["orders"]
    resumed = replay(
        data,
        "sma_cross",
        params,
        seed=11,
        out=tmp_path / "cut",
        resume=True,
        commit_every=500,
    )
    assert resumed.summary == whole.summary
    executions = [row["execution_id"] for row in resumed.fill_rows]
    assert len(executions) == len(set(executions))
    assert (tmp_path / "cut" / "summary.json").read_bytes() == (
        tmp_path / "whole" / "summary.json"
    ).read_bytes()


def test_the_report_is_written_after_the_trading_loop_is_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The venue, order manager and write-behind mirrors hold memory in proportion
    to the run's orders: none of them is alive while the report is written."""
    import gc

    from tradecore.adapters.sim import SimulatedBroker
    from tradecore.apps.replay import runner
    from tradecore.services.durability.commits import CommitInBatches

    alive: list[int] = []
    write_report = runner.write_report

    def counting(*args: object, **kwargs: object) -> object:
        gc.collect()
        loop = (SimulatedBroker, CommitInBatches)
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, loop)))
        return write_report(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "write_report", counting)
    frames = generate_bars(["AAA", "BBB"], 600, start=START, seed=1, calendar=xnys())
    sma = {"fast": 10, "slow": 30, "qty": 100}
    replay(frames, "sma_cross", sma, fill_model="ideal", cash=CASH, out=tmp_path)
    assert alive == [0]
