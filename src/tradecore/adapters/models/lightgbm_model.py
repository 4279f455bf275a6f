"""LightGBM gradient-boosted trees, deterministic, saved in LightGBM's text format.

Determinism (LightGBM docs, "Parameters": ``deterministic``): with
``deterministic=True``, ``num_threads=1`` and a fixed ``seed`` (which seeds every
other LightGBM seed), the same data give the same trees, hence the same
predictions and the same artifact bytes. The artifact is ``Booster.save_model``'s
text: readable, diffable, and parsed by LightGBM without running code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from tradecore.adapters.models.artifacts import read_verified
from tradecore.adapters.models.layout import ARTIFACT_FILES
from tradecore.domain.errors import ConfigurationError
from tradecore.ports.model import Model, ModelLoader

#: Tunable parameters and their defaults (strings, as the card records them).
DEFAULTS = {
    "num_boost_round": "100",
    "learning_rate": "0.05",
    "num_leaves": "15",
    "min_data_in_leaf": "20",
    "feature_fraction": "1.0",
}
_INTS = {"num_boost_round", "num_leaves", "min_data_in_leaf"}


class LightGBMModel(Model):
    """A binary LightGBM booster (see the module docstring)."""

    kind = "lightgbm"

    def __init__(
        self,
        params: Mapping[str, str] | None = None,
        seed: int = 0,
        *,
        booster: lgb.Booster | None = None,
    ) -> None:
        """An unfitted model (``booster``: one loaded from an artifact).

        Raises:
            ConfigurationError: an unknown parameter or a value of the wrong type.
        """
        given = {k: str(v) for k, v in (params or {}).items()}
        unknown = sorted(set(given) - set(DEFAULTS))
        if unknown:
            raise ConfigurationError(
                f"lightgbm has no parameter {', '.join(unknown)}; known: "
                f"{', '.join(DEFAULTS)}"
            )
        self.seed = seed
        self._params = {**DEFAULTS, **given}
        self._typed = {k: self._number(k, v) for k, v in self._params.items()}
        self._booster = booster
        self._loaded = booster is not None

    @staticmethod
    def _number(name: str, text: str) -> int | float:
        try:
            return int(text) if name in _INTS else float(text)
        except ValueError:
            kind = "an int" if name in _INTS else "a number"
            raise ConfigurationError(
                f"lightgbm parameter {name}={text!r}: expected {kind}"
            ) from None

    def _train_params(self) -> dict[str, Any]:
        params = {k: v for k, v in self._typed.items() if k != "num_boost_round"}
        return {
            **params,
            "objective": "binary",
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": 1,
            "seed": self.seed,
            "verbosity": -1,
        }

    def fit(self, features: np.ndarray, labels: np.ndarray) -> None:
        """Train ``num_boost_round`` trees on ``features`` and 0/1 ``labels``."""
        if len(np.unique(labels)) < 2:
            raise ConfigurationError("the training labels hold only one class")
        data = lgb.Dataset(
            np.asarray(features, dtype=np.float64),
            label=np.asarray(labels, dtype=np.float64),
            params={"verbosity": -1},
        )
        self._booster = lgb.train(
            self._train_params(),
            data,
            num_boost_round=int(self._typed["num_boost_round"]),
        )

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability of the positive class per row.

        One thread: a strategy predicts a few rows per bar, where OpenMP's thread
        start-up and spinning cost far more than the work (measured: 12 ms per call
        inside a replay with the default threads, under 0.1 ms with one).
        """
        if self._booster is None:
            raise ConfigurationError("the LightGBM model is not fitted")
        out = self._booster.predict(
            np.asarray(features, dtype=np.float64), num_threads=1
        )
        return np.asarray(out, dtype=np.float64)

    def save(self, folder: Path) -> Path:
        """Write ``folder/model.lgb.txt`` (LightGBM's text format)."""
        if self._booster is None:
            raise ConfigurationError("the LightGBM model is not fitted")
        path = folder / ARTIFACT_FILES["lightgbm"]
        path.write_text(self._booster.model_to_string())
        return path

    def parameters(self) -> dict[str, str]:
        """The tunable parameters, the determinism settings and the seed (a loaded
        model: none; the card and manifest hold them)."""
        if self._loaded:
            return {}
        return {
            **self._params,
            "deterministic": "true",
            "num_threads": "1",
            "seed": str(self.seed),
        }


class LightGBMLoader(ModelLoader):
    """Loads ``model.lgb.txt``: sha256 first, then LightGBM parses the text."""

    def load(self, artifact: Path, sha256: str) -> Model:
        """The model in ``artifact``.

        Raises:
            ManifestTampered: the hash differs (nothing was parsed).
        """
        text = read_verified(artifact, sha256).decode("utf-8")
        return LightGBMModel(booster=lgb.Booster(model_str=text))
