"""Feature matrices as Parquet files: the rows, plus the schema hash and dataset
fingerprint in the file's metadata (so a saved matrix still says what it is).

Columns: ``timestamp`` (int64 ns, UTC), ``symbol``, then one float64 column per
feature in the feature set's order. Metadata keys: ``tradecore.schema_hash``,
``tradecore.dataset_fingerprint``, ``tradecore.names`` (JSON list).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.feature_set import FeatureMatrix

_SCHEMA = b"tradecore.schema_hash"
_DATA = b"tradecore.dataset_fingerprint"
_NAMES = b"tradecore.names"


def save_matrix(matrix: FeatureMatrix, path: Path) -> Path:
    """Write ``matrix`` to ``path`` (Parquet); return the path."""
    columns = {
        "timestamp": pa.array(matrix.timestamps, type=pa.int64()),
        "symbol": pa.array(matrix.symbols.astype(str).tolist(), type=pa.string()),
        **{
            name: pa.array(matrix.values[:, j], type=pa.float64())
            for j, name in enumerate(matrix.names)
        },
    }
    table = pa.table(columns).replace_schema_metadata(
        {
            _SCHEMA: matrix.schema_hash.encode(),
            _DATA: matrix.dataset_fingerprint.encode(),
            _NAMES: json.dumps(list(matrix.names)).encode(),
        }
    )
    pq.write_table(table, path)
    return path


def load_matrix(path: Path) -> FeatureMatrix:
    """Read a matrix written by :func:`save_matrix`.

    Raises:
        ConfigurationError: no such file, or a Parquet file without the metadata.
    """
    try:
        table = pq.read_table(path)
    except FileNotFoundError:
        raise ConfigurationError(f"feature matrix {path} does not exist") from None
    meta = table.schema.metadata or {}
    if not all(key in meta for key in (_SCHEMA, _DATA, _NAMES)):
        raise ConfigurationError(f"{path} is not a tradecore feature matrix")
    names = tuple(json.loads(meta[_NAMES]))
    values = (
        np.column_stack([table.column(n).to_numpy().astype(np.float64) for n in names])
        if names
        else np.empty((table.num_rows, 0))
    )
    return FeatureMatrix(
        timestamps=table.column("timestamp").to_numpy().astype(np.int64),
        symbols=np.array(table.column("symbol").to_pylist()),
        values=values,
        names=names,
        schema_hash=meta[_SCHEMA].decode(),
        dataset_fingerprint=meta[_DATA].decode(),
    )
