"""Features for notebooks: ``tc.features.FeatureSet``, ``tc.features.materialise``.

Declare features (``FeatureSet([FeatureSpec("r5", "return", {"n": 5})])`` or
:func:`load` a TOML file), compute them over bars (``feature_set.matrix(frames,
calendar)``) or a lake (:func:`materialise`), label them, check them for leakage,
and keep matrices as Parquet (:func:`save_matrix` / :func:`load_matrix`, schema hash
and dataset fingerprint in the file). The domain modules behind it:
:mod:`tradecore.domain.features` (kinds, formulas and sources there).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain.features.declaration import parse_features, to_toml
from tradecore.domain.features.feature_set import (
    FeatureMatrix,
    FeatureSet,
    FeatureSpec,
    OnlineFeatures,
)
from tradecore.domain.features.kinds import KINDS, FeatureKind, register_kind
from tradecore.domain.features.labels import Label, LabelledDataset, labelled
from tradecore.domain.features.leakage import feature_leakage
from tradecore.domain.features.metrics import auc, classification_metrics
from tradecore.domain.market.calendar import MarketCalendar

if TYPE_CHECKING:
    from tradecore.adapters.data.lake import LakeSelection

# ``kind = "regime"`` features fit through hmmlearn (the [regimes] extra).
install_regime_fitters()


def load(path: str | Path) -> FeatureSet:
    """The feature set declared in the TOML file ``path``."""
    file = Path(path)
    return parse_features(file.read_text(), str(file))


def materialise(
    feature_set: FeatureSet,
    selection: LakeSelection,
    calendar: MarketCalendar | None = None,
) -> FeatureMatrix:
    """The feature matrix of a lake selection (``tc.open_lake(dir).select(...)``),
    fingerprinted with the bars it was computed from.

    ``calendar``: the market's sessions (default: XNYS over the bars' span).
    """
    from tradecore.apps.wiring.calendars import calendars_for_span, frames_span

    frames = selection.load()
    if calendar is None:
        span = frames_span(frames)
        calendar = None if span is None else calendars_for_span("XNYS", *span).regular
    return feature_set.matrix(frames, calendar)


def save_matrix(matrix: FeatureMatrix, path: str | Path) -> Path:
    """Write ``matrix`` as Parquet (schema hash and fingerprint in its metadata)."""
    from tradecore.adapters.models.matrix_file import save_matrix as save

    return save(matrix, Path(path))


def load_matrix(path: str | Path) -> FeatureMatrix:
    """Read a matrix written by :func:`save_matrix`."""
    from tradecore.adapters.models.matrix_file import load_matrix as read

    return read(Path(path))


__all__ = [
    "KINDS",
    "FeatureKind",
    "FeatureMatrix",
    "FeatureSet",
    "FeatureSpec",
    "Label",
    "LabelledDataset",
    "OnlineFeatures",
    "auc",
    "classification_metrics",
    "feature_leakage",
    "labelled",
    "load",
    "load_matrix",
    "materialise",
    "parse_features",
    "register_kind",
    "save_matrix",
    "to_toml",
]
