"""StoreContract, part three: the model registry's stages (ST-40 ...).

:class:`ModelStagesContract` is a mixin of :class:`store_contract.StoreContract`;
it uses the ``store`` and ``make_store`` fixtures StoreContract defines.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tradecore.domain.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    StoreUnavailable,
)
from tradecore.ports.store import Store
from tradecore.ports.store_records import ModelRecord, ModelStage, StageChange

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
_SPAWN = multiprocessing.get_context("spawn")
_CHILD_TIMEOUT_S = 60
_P, _S, _A = ModelStage.PRODUCTION, ModelStage.STAGING, ModelStage.ARCHIVED


def _register(store: Store, *hashes: str) -> None:
    with store.unit_of_work() as uow:
        for h in hashes:
            uow.models.register(ModelRecord(model_hash=h, name=f"n-{h}", created_at=T0))
        uow.commit()


def _stage(
    store: Store, model: str, stage: ModelStage, strategy: str = "s1"
) -> StageChange:
    with store.unit_of_work() as uow:
        event = uow.models.set_stage(
            model, strategy_id=strategy, stage=stage, actor="ops", reason="test"
        )
        uow.commit()
    return event


def _shape(events: Any) -> list[tuple[str, str]]:
    return [(e.model_hash, e.stage.value) for e in events]


def _race_promote(
    factory: Callable[[], Store], model: str, barrier: Any, results: Any
) -> None:
    """Promote ``model`` for ``race``, retrying a lost race (what the CLI does)."""
    store = factory()
    barrier.wait(_CHILD_TIMEOUT_S)
    conflicts = 0
    while True:
        try:
            _stage(store, model, _P, "race")
            break
        except (ConcurrencyConflict, StoreUnavailable):
            conflicts += 1
    results.put((model, conflicts))
    store.close()


class ModelStagesContract:
    """Stages per strategy id: one production model, archived predecessors, audit."""

    def test_promotion_archives_the_previous_production(self, store: Store) -> None:
        """ST-40 promoting B archives A in the same unit; history keeps both."""
        _register(store, "mA", "mB")
        _stage(store, "mA", _S)
        first = _stage(store, "mA", _P)
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") == first
        second = _stage(store, "mB", _P)
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") == second
            assert _shape(uow.models.stage_history("s1")) == [
                ("mA", "staging"),
                ("mA", "production"),
                ("mA", "archived"),
                ("mB", "production"),
            ]
            assert _shape(uow.models.models("s1")) == [
                ("mA", "archived"),
                ("mB", "production"),
            ]
            archived = uow.models.stage_history("s1")[2]
        assert archived.actor == "ops"
        assert "replaced by mB" in archived.reason
        assert second.seq > archived.seq > first.seq > 0
        assert second.changed_at.tzinfo is not None

    def test_every_stage_change_is_audited(self, store: Store) -> None:
        """ST-41 each event (the implied archive included) appends an audit row."""
        _register(store, "mA", "mB")
        for model in ("mA", "mB"):
            _stage(store, model, _P)
        with store.unit_of_work() as uow:
            result = uow.audit.verify()
        assert (result.intact, result.rows) == (True, 3)

    def test_leaving_production_leaves_none(self, store: Store) -> None:
        """ST-42 archiving the production model leaves the strategy id with none."""
        _register(store, "mA")
        _stage(store, "mA", _P)
        _stage(store, "mA", _A)
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") is None
        again = _stage(store, "mA", _P)  # an archived model may come back
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") == again

    def test_strategy_ids_are_independent(self, store: Store) -> None:
        """ST-43 one model per strategy id: promoting for s2 leaves s1's alone."""
        _register(store, "mA", "mB")
        a = _stage(store, "mA", _P, "s1")
        b = _stage(store, "mB", _P, "s2")
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") == a
            assert uow.models.production("s2") == b
            assert _shape(uow.models.models()) == [
                ("mA", "production"),
                ("mB", "production"),
            ]
            assert uow.models.production("s404") is None
            assert uow.models.stage_history("s404") == []

    def test_bad_stage_changes_write_nothing(self, store: Store) -> None:
        """ST-44 unknown model and blank actor are refused; nothing is written."""
        _register(store, "mA")
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.models.set_stage(
                    "m404", strategy_id="s1", stage=_P, actor="ops", reason="r"
                )
            with pytest.raises(InvalidInput):
                uow.models.set_stage(
                    "mA", strategy_id="s1", stage=_P, actor=" ", reason="r"
                )
        with store.unit_of_work() as uow:
            assert uow.models.stage_history("s1") == []
            assert uow.audit.verify().rows == 0

    def test_uncommitted_promotion_keeps_the_old_production(self, store: Store) -> None:
        """ST-45 a promotion rolled back leaves the previous production in force."""
        _register(store, "mA", "mB")
        first = _stage(store, "mA", _P)
        with store.unit_of_work() as uow:
            uow.models.set_stage(
                "mB", strategy_id="s1", stage=_P, actor="ops", reason="r"
            )
        with store.unit_of_work() as uow:
            assert uow.models.production("s1") == first
            assert len(uow.models.stage_history("s1")) == 1

    def test_racing_promotions_leave_one_production(
        self, make_store: Callable[[], Store]
    ) -> None:
        """ST-46 processes promoting different models at once: one chain, one winner.

        Each promotion after the first archives exactly the model production just
        before it: no predecessor is archived twice, none is skipped.
        """
        models = ["r1", "r2", "r3"]
        store = make_store()
        _register(store, *models)
        barrier, results = _SPAWN.Barrier(len(models)), _SPAWN.Queue()
        procs = [
            _SPAWN.Process(target=_race_promote, args=(make_store, m, barrier, results))
            for m in models
        ]
        for p in procs:
            p.start()
        done = sorted(results.get(timeout=_CHILD_TIMEOUT_S)[0] for _ in procs)
        for p in procs:
            p.join(_CHILD_TIMEOUT_S)
        assert [p.exitcode for p in procs] == [0] * len(models)
        assert done == models
        with store.unit_of_work() as uow:
            history = uow.models.stage_history("race")
            production = uow.models.production("race")
            current = uow.models.models("race")
        store.close()
        promoted = [e.model_hash for e in history if e.stage is _P]
        assert sorted(promoted) == models
        archived = [e.model_hash for e in history if e.stage is _A]
        assert archived == promoted[:-1]
        assert production is not None
        assert production.model_hash == promoted[-1]
        assert [e.stage for e in current].count(_P) == 1
