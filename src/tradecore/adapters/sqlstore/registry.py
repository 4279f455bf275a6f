"""Cost-model version and model-registry repositories (immutable records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from tradecore.adapters.sqlstore import codec
from tradecore.adapters.sqlstore import tables as t
from tradecore.adapters.sqlstore.session import Session
from tradecore.adapters.sqlstore.sql import insert_ignore_returning
from tradecore.domain.errors import NotFound
from tradecore.ports.store import CostModelRepository, ModelRegistry
from tradecore.ports.store_records import CostModelVersion, ManifestRecord, ModelRecord

_C, _M, _MF = t.cost_model_versions, t.models, t.manifests
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
    """Models keyed by artifact hash, and their manifests."""

    def __init__(self, conn: Session) -> None:
        self._conn = conn
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
