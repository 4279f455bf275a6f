"""Cost-model version and model-registry repositories (immutable records)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from tradecore.adapters.sqlstore import codec
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.sql import insert_ignore_returning
from tradecore.domain.errors import ConcurrencyConflict, NotFound
from tradecore.ports.store import AuditLog, CostModelRepository, ModelRegistry
from tradecore.ports.store_records import (
    CostModelVersion,
    ManifestRecord,
    ModelRecord,
    ModelStage,
    StageChange,
)

_C, _M, _MF = t.cost_model_versions, t.models, t.manifests
_E, _P = t.model_stage_events, t.model_production
#: The audit log's kind for every stage change.
STAGE_AUDIT_KIND = "model.stage"
_COST_JSON = ("params", "fills_used")
_decode_cost_row = codec.decoder(
    CostModelVersion,
    table="cost_model_versions",
    key="version_hash",
    json_fields=_COST_JSON,
)


def _decode_cost(row: Mapping[Any, Any]) -> CostModelVersion:
    # Rows written before migration 0002 have no fills_used: they used none we know.
    if row["fills_used"] is None:
        row = {**row, "fills_used": "[]"}
    return _decode_cost_row(row)


_decode_model = codec.decoder(
    ModelRecord, table="models", key="model_hash", json_fields=("metadata",)
)
_decode_manifest = codec.decoder(ManifestRecord, table="manifests", key="manifest_hash")
_decode_stage = codec.decoder(StageChange, table="model_stage_events", key="seq")


class SqlCostModelRepository(CostModelRepository):
    """Cost-model parameter versions keyed by their content hash."""

    def __init__(self, conn: Session) -> None:
        self._conn = conn
        self._insert = insert_ignore_returning(conn.dialect.name, _C, "version_hash")

    def record(self, version: CostModelVersion) -> bool:
        """Store a version unless its hash is stored; see the port."""
        row = codec.flat_row(version, json_fields=_COST_JSON)
        return self._conn.execute(self._insert, row).first() is not None

    def get(self, version_hash: str) -> CostModelVersion:
        """Return the version; see the port."""
        stmt = select(_C).where(_C.c.version_hash == version_hash)
        row = self._conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no cost-model version {version_hash!r}")
        return _decode_cost(row)

    def latest(self) -> CostModelVersion | None:
        """Return the most recently created version, or ``None``."""
        stmt = select(_C).order_by(_C.c.created_at.desc(), _C.c.version_hash).limit(1)
        row = self._conn.execute(stmt).mappings().first()
        return None if row is None else _decode_cost(row)


class SqlModelRegistry(ModelRegistry):
    """Models keyed by artifact hash, their manifests and their stages.

    Stage changes write three things in the caller's unit: the event row, the
    ``model_production`` pointer (compare-and-set on its version) and an audit
    entry; the unit commits all of them or none.
    """

    def __init__(
        self, conn: Session, clock: Callable[[], datetime], audit: AuditLog
    ) -> None:
        self._conn = conn
        self._clock = clock
        self._audit = audit
        name = conn.dialect.name
        self._insert_model = insert_ignore_returning(name, _M, "model_hash")
        self._insert_manifest = insert_ignore_returning(name, _MF, "manifest_hash")

    def register(self, model: ModelRecord) -> bool:
        """Register a model unless its hash is known; see the port."""
        row = codec.flat_row(model, json_fields=("metadata",))
        return self._conn.execute(self._insert_model, row).first() is not None

    def get(self, model_hash: str) -> ModelRecord:
        """Return the model; see the port."""
        stmt = select(_M).where(_M.c.model_hash == model_hash)
        row = self._conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no model {model_hash!r}")
        return _decode_model(row)

    def record_manifest(self, manifest: ManifestRecord) -> bool:
        """Store a manifest of a registered model; see the port."""
        self.get(manifest.model_hash)
        row = codec.flat_row(manifest)
        return self._conn.execute(self._insert_manifest, row).first() is not None

    def manifests_for(self, model_hash: str) -> Sequence[ManifestRecord]:
        """Return the model's manifests, oldest first."""
        stmt = (
            select(_MF)
            .where(_MF.c.model_hash == model_hash)
            .order_by(_MF.c.created_at, _MF.c.manifest_hash)
        )
        return [_decode_manifest(r) for r in self._conn.execute(stmt).mappings()]

    def set_stage(
        self,
        model_hash: str,
        *,
        strategy_id: str,
        stage: ModelStage,
        actor: str,
        reason: str,
    ) -> StageChange:
        """Append a stage event (archiving a replaced production model); see the port."""
        event = StageChange(
            model_hash=model_hash,
            strategy_id=strategy_id,
            stage=ModelStage(stage),
            actor=actor,
            reason=reason,
            changed_at=self._clock(),
        )
        self.get(model_hash)
        pointer = self._conn.execute(
            select(_P.c.model_hash, _P.c.version).where(_P.c.strategy_id == strategy_id)
        ).first()
        current = None if pointer is None else pointer.model_hash
        if event.stage is ModelStage.PRODUCTION:
            if current is not None and current != model_hash:
                self._append(
                    StageChange(
                        model_hash=current,
                        strategy_id=strategy_id,
                        stage=ModelStage.ARCHIVED,
                        actor=actor,
                        reason=f"replaced by {model_hash}: {reason}",
                        changed_at=event.changed_at,
                    )
                )
            self._point(strategy_id, model_hash, pointer)
        elif current == model_hash:
            self._point(strategy_id, None, pointer)
        return self._append(event)

    def _point(self, strategy_id: str, model_hash: str | None, pointer: Any) -> None:
        """Set the production pointer, compared-and-set on the version just read."""
        if pointer is None:  # a racing first promotion fails on the primary key
            self._conn.execute(
                _P.insert(),
                {"strategy_id": strategy_id, "model_hash": model_hash, "version": 1},
            )
            return
        moved = self._conn.execute(
            _P.update()
            .where(_P.c.strategy_id == strategy_id, _P.c.version == pointer.version)
            .values(model_hash=model_hash, version=pointer.version + 1)
        )
        if moved.rowcount != 1:
            raise ConcurrencyConflict(
                f"the production model of {strategy_id!r} changed while this unit "
                "was changing it; retry"
            )

    def _append(self, event: StageChange) -> StageChange:
        row = codec.flat_row(event)
        del row["seq"]
        seq = self._conn.execute(_E.insert().returning(_E.c.seq), row).scalar_one()
        stored = StageChange(**{**row, "stage": event.stage, "seq": seq})
        self._audit.append(
            STAGE_AUDIT_KIND,
            {
                "model_hash": stored.model_hash,
                "strategy_id": stored.strategy_id,
                "stage": stored.stage.value,
                "actor": stored.actor,
                "reason": stored.reason,
                "seq": seq,
            },
        )
        return stored

    def stage_history(self, strategy_id: str) -> Sequence[StageChange]:
        """Return the strategy id's stage events, oldest first."""
        return self._events(_E.c.strategy_id == strategy_id)

    def production(self, strategy_id: str) -> StageChange | None:
        """Return the event that made the current production model, or ``None``."""
        pointed = select(_P.c.model_hash).where(_P.c.strategy_id == strategy_id)
        stmt = (
            select(_E)
            .where(
                _E.c.strategy_id == strategy_id,
                _E.c.stage == ModelStage.PRODUCTION.value,
                _E.c.model_hash == pointed.scalar_subquery(),
            )
            .order_by(_E.c.seq.desc())
            .limit(1)
        )
        row = self._conn.execute(stmt).mappings().first()
        return None if row is None else _decode_stage(row)

    def models(self, strategy_id: str | None = None) -> Sequence[StageChange]:
        """Return the latest event of each (model, strategy id), oldest first."""
        latest = select(func.max(_E.c.seq)).group_by(_E.c.model_hash, _E.c.strategy_id)
        if strategy_id is not None:
            latest = latest.where(_E.c.strategy_id == strategy_id)
        return self._events(_E.c.seq.in_(latest.scalar_subquery()))

    def _events(self, where: ColumnElement[bool]) -> list[StageChange]:
        stmt = select(_E).where(where).order_by(_E.c.seq)
        return [_decode_stage(r) for r in self._conn.execute(stmt).mappings()]
