"""The write-behind commit pauses the cyclic garbage collector and restores it.

The commit builds thousands of short-lived row tuples; the collector is paused
while it does (``write_behind._collector_paused``). Whatever happens, the
collector is left as the commit found it: enabled after a commit, a failed
commit and a refused unit; still disabled if its caller had disabled it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.store_contract import make_intent
from tradecore.adapters.sqlstore import open_store
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.domain.errors import StoreError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[WriteBehindStore]:
    sql = open_store(f"sqlite:///{tmp_path / 'replay.db'}", upgrade=True)
    opened = WriteBehindStore(sql)
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    yield
    gc.enable()


def test_a_commit_runs_with_the_collector_paused(
    store: WriteBehindStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    sql_unit = store.sql_unit

    def watched() -> object:
        seen.append(gc.isenabled())
        return sql_unit()

    monkeypatch.setattr(store, "sql_unit", watched)
    with store.unit_of_work() as uow:
        uow.intents.create(make_intent(1))
        uow.commit()
    assert seen == [False]
    assert gc.isenabled()


def test_a_paused_collector_stays_paused(store: WriteBehindStore) -> None:
    gc.disable()
    with store.unit_of_work() as uow:
        uow.intents.create(make_intent(1))
        uow.commit()
    assert not gc.isenabled()


def test_a_failed_commit_restores_the_collector(
    store: WriteBehindStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused() -> object:
        raise StoreError("disk gone")

    monkeypatch.setattr(store, "sql_unit", refused)
    with store.unit_of_work() as uow:
        uow.intents.create(make_intent(1))
        with pytest.raises(StoreError):
            uow.commit()
    assert gc.isenabled()
    assert store.intents.find(make_intent(1).client_order_id) is None
