"""A sweep on a Dask cluster writes the same table as the local process pool, byte
for byte (a ``LocalCluster`` of two worker processes on loopback).

CI runs this (dask is in the test extra there): under ``CI=true`` a missing dask is
a failure; elsewhere the test is skipped, saying why.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.integration.sweep_support import bar_folder, invoke, random_walk

pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning",
    # distributed warns when a port it tried is taken, and on worker shutdown.
    "ignore::UserWarning:distributed",
    "ignore::DeprecationWarning",
)


def _distributed() -> object:
    try:
        import distributed
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("dask.distributed is not installed: pip install 'tradecore[dask]'")
    return distributed


ARGS = ("--calendar", "24/7", "--grid", "fast=2:5:1", "--grid", "slow=4,8,16")


@pytest.mark.heavy
def test_a_local_cluster_writes_the_pool_s_table_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = _distributed()
    monkeypatch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path / "dev-key"))
    bars = bar_folder(tmp_path, random_walk(1000, seed=5))
    pool = invoke(
        tmp_path, "sweep", "--data", str(bars), *ARGS, "--workers", "2",
        "--out", str(tmp_path / "pool"), "--quiet",
    )  # fmt: skip
    assert pool.exit_code == 0, pool.output
    with distributed.LocalCluster(  # type: ignore[attr-defined]
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        dask = invoke(
            tmp_path, "sweep", "--data", str(bars), *ARGS,
            "--scheduler", cluster.scheduler_address,
            "--out", str(tmp_path / "dask"), "--quiet",
        )  # fmt: skip
    assert dask.exit_code == 0, dask.output
    table = (tmp_path / "pool" / "sweep.csv").read_bytes()
    assert table == (tmp_path / "dask" / "sweep.csv").read_bytes()
    assert table.count(b"\n") == 1 + 12
    assert b",invalid," in table  # fast >= slow rows are in both, the same
    pool_json = (tmp_path / "pool" / "sweep.json").read_bytes()
    assert pool_json == (tmp_path / "dask" / "sweep.json").read_bytes()


def test_no_scheduler_there_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distributed()
    monkeypatch.setattr("tradecore.apps.replay.sweep_run.SCHEDULER_TIMEOUT", 1.0)
    bars = bar_folder(tmp_path, random_walk(200))
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), *ARGS, "--quiet",
        "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert result.exit_code == 5, result.output
    assert "cannot reach a Dask scheduler" in result.output
