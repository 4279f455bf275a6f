"""Features: a declarative, hashed set of named inputs a model or strategy reads,
computed the same way bar by bar (replay, live) and over whole series (research)."""

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
