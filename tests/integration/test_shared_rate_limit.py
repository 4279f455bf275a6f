"""Two real processes on one store cannot together exceed the bucket's budget.

Each process alone could take 40 tokens; the shared bucket holds 50 and (in the
seconds the test runs) refills a fraction of one, so together they must be granted
exactly 50, on SQLite and on PostgreSQL. Two in-process buckets would grant 80.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.rate_limit_worker import CAPACITY
from tests.risk_support import sqlite_store
from tradecore.adapters.sqlstore import open_store

ATTEMPTS_EACH = 40
ROOT = Path(__file__).resolve().parents[2]


def _hammer(url: str, tmp_path: Path) -> list[int]:
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.integration.rate_limit_worker"]
    command += [url, "alpaca-trading:shared", str(ATTEMPTS_EACH), str(go)]
    workers = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    go.touch()
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    return [int(out.strip().splitlines()[-1]) for out in outputs]


def test_two_processes_share_one_budget_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    sqlite_store(db).close()
    granted = _hammer(f"sqlite:///{db}", tmp_path)
    assert sum(granted) == CAPACITY


@pytest.mark.postgres
def test_two_processes_share_one_budget_on_postgres(
    tmp_path: Path, postgres_databases: Callable[[], str]
) -> None:
    url = postgres_databases()
    open_store(url, upgrade=True).close()
    granted = _hammer(url, tmp_path)
    assert sum(granted) == CAPACITY
