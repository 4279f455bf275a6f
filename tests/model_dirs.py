"""Model folders in the layout of ``tradecore.adapters.models.layout``, for registry tests.

Built by hand (an artifact of arbitrary bytes, a card, a feature file and a manifest
signed with a test key), so the registry's checks can be tested without training.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from tests.manifests import sample_manifest
from tradecore.adapters.models.layout import (
    FEATURES_FILE,
    MANIFEST_FILE,
    MODEL_CARD_FILE,
)
from tradecore.adapters.signing import load_signer, write_signed_manifest
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.hashing import sha256_hex
from tradecore.services.research.manifests import sign_manifest

FEATURES = '[[feature]]\nname = "r5"\nkind = "return"\nn = 5\n'
SCHEMA = parse_features(FEATURES).schema_hash()
LEAK = {
    "cut_ns": 1_704_200_000_000_000_000,
    "timestamp_ns": 1_704_100_000_000_000_000,
    "symbol": "AAA",
    "what": "next_close",
    "full": "101.5",
    "truncated": "nan",
}


def model_dir(
    root: Path,
    key_file: Path,
    *,
    artifact: bytes,
    strategy_id: str = "ml_demo",
    name: str = "demo",
    leak: dict[str, object] | None = None,
    training_end: datetime = datetime(2025, 12, 1, tzinfo=UTC),
    oos_hit_rate: float = 0.55,
) -> Path:
    """Write a signed model folder under ``root`` and return it."""
    folder = root / f"{name}-{hashlib.sha256(artifact).hexdigest()[:8]}"
    folder.mkdir(parents=True)
    (folder / "model.skops").write_bytes(artifact)
    digest = hashlib.sha256(artifact).hexdigest()
    (folder / FEATURES_FILE).write_text(FEATURES)
    card = {
        "model_kind": "sklearn",
        "artifact": "model.skops",
        "artifact_sha256": digest,
        "strategy_id": strategy_id,
        "feature_schema_hash": SCHEMA,
        "features": ["r5"],
        "label": "forward_return:5",
        "embargo_bars": 5,
        "metrics": {
            "in_sample": {"hit_rate": 0.6, "n": 500},
            "out_of_sample": {"hit_rate": oos_hit_rate, "n": 200},
        },
        "seeds": [7],
        "leakage": {
            "subject": f"features:{SCHEMA}",
            "passed": leak is None,
            "cuts_ns": [1],
            "leak": leak,
        },
    }
    (folder / MODEL_CARD_FILE).write_text(json.dumps(card))
    parameters = {"model": "sklearn:logistic", "label": "forward_return:5"}
    manifest = sample_manifest(
        strategy_id=strategy_id,
        model_name=name,
        model_hash=digest,
        feature_schema_hash=SCHEMA,
        training_end=training_end,
        parameters=parameters,
        # as tradecore-replay train binds the card to the signed manifest
        config_hash=sha256_hex({"parameters": parameters, "card": card}),
    )
    signed = sign_manifest(manifest, load_signer(key_file), dev_key=False)
    write_signed_manifest(folder / MANIFEST_FILE, signed)
    return folder
