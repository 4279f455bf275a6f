"""Features: a declarative, hashed set of named inputs a model or strategy reads,
computed the same way bar by bar (replay, live) and over whole series (research)."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.domain.features.declaration import parse_features, to_toml
    from tradecore.domain.features.feature_set import (
        FeatureMatrix,
        FeatureSet,
        FeatureSpec,
        OnlineFeatures,
    )
    from tradecore.domain.features.kinds import FeatureKind, register_kind
    from tradecore.domain.features.labels import Label, LabelledDataset, labelled
    from tradecore.domain.features.leakage import feature_leakage
    from tradecore.domain.features.regime import Regime

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain.features.declaration": (
        "parse_features",
        "to_toml",
    ),
    "tradecore.domain.features.feature_set": (
        "FeatureMatrix",
        "FeatureSet",
        "FeatureSpec",
        "OnlineFeatures",
    ),
    "tradecore.domain.features.kinds": (
        "FeatureKind",
        "register_kind",
    ),
    "tradecore.domain.features.labels": (
        "Label",
        "LabelledDataset",
        "labelled",
    ),
    "tradecore.domain.features.leakage": ("feature_leakage",),
    "tradecore.domain.features.regime": ("Regime",),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "FeatureKind",
    "FeatureMatrix",
    "FeatureSet",
    "FeatureSpec",
    "Label",
    "LabelledDataset",
    "OnlineFeatures",
    "Regime",
    "feature_leakage",
    "labelled",
    "parse_features",
    "register_kind",
    "to_toml",
]

# The ``regime`` kind registers itself in ``kinds.KINDS`` when its module is
# imported; every user of features imports this package first, so it is imported
# here (as before), not on first use of ``Regime``.
from tradecore.domain.features import regime as _regime  # noqa: E402, F401
