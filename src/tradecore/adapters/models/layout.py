"""The model directory: what ``tradecore-replay train`` writes and the registry keeps.

One folder per trained model::

    MODEL_DIR/
      model.skops | model.lgb.txt   the artifact (one file; its sha256 is the
                                     manifest's ``model_hash``)
      features.toml                  the feature set declaration (hashes to the
                                     manifest's ``feature_schema_hash``)
      model_card.json                data range, features, label, metrics in and out
                                     of sample, seeds, leakage check (see below)
      manifest.json                  the signed manifest (``tradecore.manifest/1``)

The card's keys every reader may rely on:

- ``model_kind`` (``"sklearn"``/``"lightgbm"``), ``artifact`` (the file name),
  ``artifact_sha256``;
- ``strategy_id`` (what a live run of this model trades as);
- ``feature_schema_hash``, ``features`` (names, in column order), ``label``
  (e.g. ``"forward_return:30"``), ``embargo_bars``;
- ``data``: ``{"start": ISO, "end": ISO, "symbols": [...], "dataset_fingerprint": hex}``;
- ``metrics``: ``{"in_sample": {...}, "out_of_sample": {...}}``, each with at least
  ``hit_rate`` (share of correct up/down calls) and ``n``;
- ``seeds`` (list of ints);
- ``leakage``: :meth:`~tradecore.domain.research.leakage.LeakageReport.to_dict`
  of the feature set on the training data (``{"passed": bool, "leak": ...}``).
"""

from __future__ import annotations

import json
from pathlib import Path

#: The artifact's file name by model kind.
ARTIFACT_FILES = {"sklearn": "model.skops", "lightgbm": "model.lgb.txt"}
FEATURES_FILE = "features.toml"
MODEL_CARD_FILE = "model_card.json"
MANIFEST_FILE = "manifest.json"


def read_card(folder: Path) -> dict[str, object]:
    """The model card of ``folder`` (a ``FileNotFoundError`` if there is none)."""
    card: dict[str, object] = json.loads((folder / MODEL_CARD_FILE).read_text())
    return card


def artifact_path(folder: Path) -> Path:
    """The artifact the card names (its file need not exist yet)."""
    return folder / str(read_card(folder)["artifact"])
