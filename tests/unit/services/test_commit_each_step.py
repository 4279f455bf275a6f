"""``CommitEachStep.commits``: the steps that committed, what a path costs in commits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tradecore.adapters.sqlstore import open_store
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}", upgrade=True)
    yield opened
    opened.close()


def test_counts_each_committed_step_and_not_a_failed_one(store: Store) -> None:
    commits = CommitEachStep(store)
    assert commits.commits == 0
    for _ in range(2):
        with commits.step() as uow:
            uow.audit.append("test", {"n": 1})
    with pytest.raises(RuntimeError):
        _failing_step(commits)
    assert commits.commits == 2


def _failing_step(commits: CommitEachStep) -> None:
    with commits.step() as uow:
        uow.audit.append("test", {"n": 2})
        raise RuntimeError("the step fails: rolled back, not committed")
