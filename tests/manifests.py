"""A sample manifest and signing keys for manifest tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from tradecore.adapters.signing import NaclSigner
from tradecore.domain.research.manifest import DataSource, Manifest

SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
OTHER_SEED = bytes(range(32))


def sample_manifest(**overrides: object) -> Manifest:
    """A manifest with every field set to something plausible."""
    fields: dict[str, object] = {
        "strategy_id": "sma_cross",
        "strategy_version": "1",
        "model_name": "sma_cross",
        "model_version": "2026.01.05",
        "model_hash": "ab" * 32,
        "parameters": {"fast": 10, "slow": 30, "qty": Decimal("100.5"), "on": True},
        "training_start": datetime(2024, 1, 2, tzinfo=UTC),
        "training_end": datetime(2025, 1, 2, tzinfo=UTC),
        "embargo_bars": 5,
        "data_sources": [
            DataSource(name="bars/AAPL", provenance="iex", fingerprint="cd" * 32),
            DataSource(name="bars/MSFT", provenance="file", fingerprint="ef" * 32),
        ],
        "dataset_fingerprint": "01" * 32,
        "feature_schema_hash": "23" * 32,
        "cost_model_version": "45" * 32,
        "config_hash": "67" * 32,
        "created_at": datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        "code_version": "0.1.0",
    }
    fields.update(overrides)
    return Manifest(**fields)  # type: ignore[arg-type]


def signer(seed: bytes = SEED) -> NaclSigner:
    """The PyNaCl signer for ``seed``."""
    return NaclSigner(seed)


def evolve(manifest: Manifest, **changes: object) -> Manifest:
    """``attrs.evolve`` for tests that change one field."""
    return attrs.evolve(manifest, **changes)
