"""The Model port: a fitted predictor that can be trained, saved and loaded.

A model maps a feature matrix (rows = samples, columns = the feature set's names,
in order) to the probability that each sample's label is positive (e.g. that the
forward return is above zero). Adapters wrap a library (scikit-learn, LightGBM);
the domain only ever sees :class:`~tradecore.domain.features.predictor.Predictor`.

An artifact is one file: its sha256 is the model's identity (``model_hash`` in the
signed manifest), so a loader checks the hash *before* it parses a byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from tradecore.domain.features.predictor import Predictor


class Model(Predictor, Protocol):
    """A trainable, savable predictor (see the module docstring)."""

    #: The adapter's name (``"sklearn"``, ``"lightgbm"``), recorded in model cards.
    kind: str

    def fit(self, features: np.ndarray, labels: np.ndarray) -> None:
        """Fit on ``features`` (n × k float64) and ``labels`` (n, 0/1 int)."""
        ...

    def save(self, folder: Path) -> Path:
        """Write the artifact into ``folder``; return its path (one file)."""
        ...

    def parameters(self) -> dict[str, str]:
        """The hyper-parameters as strings (model card and manifest)."""
        ...


class ModelLoader(Protocol):
    """Loads an artifact written by :meth:`Model.save`."""

    def load(self, artifact: Path, sha256: str) -> Model:
        """Load ``artifact`` after checking its sha256 equals ``sha256``.

        Raises:
            ManifestTampered: the file's hash differs (nothing was parsed).
        """
        ...
