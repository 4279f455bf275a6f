"""The registry's stages against a reference model, on a real SQLite store.

Any sequence of promote / rollback / archive for one strategy id leaves at most one
production model, and production and rollback behave as a stack of promotions
(the reference below, a few lines of plain Python).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import SqlStore, open_store
from tradecore.domain.errors import NotFound
from tradecore.ports.store_records import ModelRecord, ModelStage
from tradecore.services.research import model_registry as reg

MODELS = ("m1", "m2", "m3")
_ids = itertools.count()
Op = tuple[str, str]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("promote"), st.sampled_from(MODELS)),
        st.tuples(st.just("archive"), st.sampled_from(MODELS)),
        st.tuples(st.just("rollback"), st.just("")),
    ),
    max_size=12,
)


@pytest.fixture(scope="module")
def store() -> Iterator[SqlStore]:
    with tempfile.TemporaryDirectory() as folder:
        opened = open_store(
            f"sqlite:///{Path(folder) / 'stages.db'}", upgrade=True, durability="normal"
        )
        with opened.unit_of_work() as uow:
            for model in MODELS:
                uow.models.register(
                    ModelRecord(
                        model_hash=model,
                        name=model,
                        created_at=datetime(2024, 1, 1, tzinfo=UTC),
                    )
                )
            uow.commit()
        yield opened
        opened.close()


class Reference:
    """Production as a stack of promotions; archiving the production model clears it."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.current: str | None = None

    def apply(self, op: Op) -> bool:
        """Apply ``op``; False when a rollback must be refused."""
        kind, model = op
        if kind == "promote" and model != self.current:
            self.stack.append(model)
            self.current = model
        elif kind == "archive" and model == self.current:
            self.current = None
        elif kind == "rollback":
            if (
                self.current is None
                or len(self.stack) < 2
                or self.stack[-1] != self.current
            ):
                return False
            self.stack.pop()
            self.current = self.stack[-1]
        return True


def _apply(store: SqlStore, sid: str, op: Op) -> bool:
    kind, model = op
    with store.unit_of_work() as uow:
        try:
            if kind == "promote":
                reg.promote(uow, model, strategy_id=sid, actor="p", reason="r")
            elif kind == "archive":
                uow.models.set_stage(
                    model,
                    strategy_id=sid,
                    stage=ModelStage.ARCHIVED,
                    actor="p",
                    reason="r",
                )
            else:
                reg.rollback(uow, sid, actor="p", reason="r")
        except NotFound:
            return False
        uow.commit()
    return True


@settings(max_examples=60, deadline=None)
@given(ops)
def test_stages_follow_the_reference(store: SqlStore, sequence: list[Op]) -> None:
    sid = f"s{next(_ids)}"
    reference = Reference()
    for op in sequence:
        assert _apply(store, sid, op) == reference.apply(op), op
        with store.unit_of_work() as uow:
            production = uow.models.production(sid)
            current = uow.models.models(sid)
        assert (production and production.model_hash) == (reference.current or None)
        in_production = [
            e.model_hash for e in current if e.stage is ModelStage.PRODUCTION
        ]
        assert in_production == ([reference.current] if reference.current else [])
