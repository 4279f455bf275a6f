"""The registry's moves on a real (SQLite) store: register, promote, rollback, prefix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tradecore.adapters.sqlstore import open_store
from tradecore.domain.errors import ConfigurationError, NotFound
from tradecore.ports.store import Store
from tradecore.ports.store_records import ModelRecord, ModelStage, StageChange
from tradecore.services.research import model_registry as reg

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
A, B, C = "aa" + "1" * 62, "ab" + "2" * 62, "c" + "3" * 63


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'reg.db'}", upgrade=True)
    with opened.unit_of_work() as uow:
        for h in (A, B, C):
            model = ModelRecord(model_hash=h, name=f"m{h[:2]}", created_at=T0)
            reg.register(uow, model, strategy_id="s", actor="ops", reason="trained")
        uow.commit()
    yield opened
    opened.close()


def _promote(store: Store, model: str) -> StageChange:
    with store.unit_of_work() as uow:
        event = reg.promote(uow, model, strategy_id="s", actor="ops", reason="good")
        uow.commit()
    return event


def _rollback(store: Store) -> tuple[StageChange, str]:
    with store.unit_of_work() as uow:
        result = reg.rollback(uow, "s", actor="ops", reason="bad")
        uow.commit()
    return result


def _production(store: Store) -> str | None:
    with store.unit_of_work() as uow:
        event = uow.models.production("s")
    return None if event is None else event.model_hash


def test_register_puts_a_model_in_staging_once(store: Store) -> None:
    with store.unit_of_work() as uow:
        again = reg.register(
            uow,
            ModelRecord(model_hash=A, name="x", created_at=T0),
            strategy_id="s",
            actor="ops",
            reason="again",
        )
        stages = [(e.model_hash, e.stage) for e in uow.models.models("s")]
    assert again.stage is ModelStage.STAGING
    assert again.reason == "register: trained"
    assert stages == [(h, ModelStage.STAGING) for h in (A, B, C)]


def test_rollbacks_undo_promotions_like_a_stack(store: Store) -> None:
    for model in (A, B, C):
        _promote(store, model)
    event, replaced = _rollback(store)
    assert (event.model_hash, replaced) == (B, C)
    assert event.reason == f"rollback: from {C}: bad"
    event, replaced = _rollback(store)
    assert (event.model_hash, replaced) == (A, B)
    assert _production(store) == A
    with pytest.raises(NotFound, match="no previous production model"):
        _rollback(store)


def test_promote_after_rollback_pushes_again(store: Store) -> None:
    _promote(store, A)
    _promote(store, B)
    _rollback(store)  # back to A
    _promote(store, C)
    assert _rollback(store)[0].model_hash == A


def test_promoting_the_production_model_again_changes_nothing(store: Store) -> None:
    first = _promote(store, A)
    assert _promote(store, A) == first
    with store.unit_of_work() as uow:
        assert len(uow.models.stage_history("s")) == 4  # 3 registered + 1 promoted


def test_rollback_without_production_is_refused(store: Store) -> None:
    with pytest.raises(NotFound, match="has no production model"):
        _rollback(store)


def test_rollback_refuses_when_production_was_retired_by_hand(store: Store) -> None:
    _promote(store, A)
    _promote(store, B)
    with store.unit_of_work() as uow:
        uow.models.set_stage(
            B, strategy_id="s", stage=ModelStage.ARCHIVED, actor="ops", reason="off"
        )
        uow.commit()
        history = uow.models.stage_history("s")
    assert reg.rollback_target(history) is None
    with pytest.raises(NotFound, match="has no production model"):
        _rollback(store)


def test_find_model_by_unique_prefix(store: Store) -> None:
    with store.unit_of_work() as uow:
        assert reg.find_model(uow, "C3").model_hash == C
        with pytest.raises(ConfigurationError, match="ambiguous"):
            reg.find_model(uow, "a")
        with pytest.raises(NotFound, match="no registered model"):
            reg.find_model(uow, "ff")
        with pytest.raises(ConfigurationError, match="needed"):
            reg.find_model(uow, " ")
