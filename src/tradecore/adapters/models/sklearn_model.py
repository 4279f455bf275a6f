"""scikit-learn models saved with skops: logistic regression, random forest, hist
gradient boosting.

Why skops and not pickle/joblib: unpickling runs whatever code the file names, so a
pickled model is only as safe as its origin. ``skops.io`` stores the object tree
and, on load, refuses any type not explicitly trusted (skops docs, "Secure
persistence"). We never pass ``trusted=True``: we ask skops which types in the
file are not on its own safe list and accept the file only if those are all in
:data:`TRUSTED_TYPES`, the few scikit-learn types our three models need. And the
file's sha256 is checked against the signed manifest before skops reads it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tradecore.adapters.models.artifacts import read_verified
from tradecore.adapters.models.layout import ARTIFACT_FILES
from tradecore.domain.errors import ConfigurationError, ManifestTampered
from tradecore.ports.model import Model, ModelLoader

#: Types beyond skops' default safe list that our models hold (and nothing else).
TRUSTED_TYPES = (
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)


def _logistic(params: Mapping[str, str], seed: int) -> Any:
    return Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "model",
                LogisticRegression(C=float(params.get("C", "1.0")), max_iter=1000),
            ),
        ]
    )


def _random_forest(params: Mapping[str, str], seed: int) -> Any:
    return RandomForestClassifier(
        n_estimators=int(params.get("n_estimators", "100")),
        max_depth=_optional_int(params.get("max_depth", "6")),
        min_samples_leaf=int(params.get("min_samples_leaf", "20")),
        random_state=seed,
        n_jobs=1,
    )


def _hist_gradient_boosting(params: Mapping[str, str], seed: int) -> Any:
    return HistGradientBoostingClassifier(
        learning_rate=float(params.get("learning_rate", "0.05")),
        max_iter=int(params.get("max_iter", "100")),
        max_leaf_nodes=int(params.get("max_leaf_nodes", "15")),
        early_stopping=False,
        random_state=seed,
    )


def _optional_int(text: str) -> int | None:
    return None if text in ("", "none", "None") else int(text)


#: The estimators by name, with the parameters each accepts (and their defaults).
ESTIMATORS: dict[
    str, tuple[Callable[[Mapping[str, str], int], Any], dict[str, str]]
] = {
    "logistic": (_logistic, {"C": "1.0"}),
    "random_forest": (
        _random_forest,
        {"n_estimators": "100", "max_depth": "6", "min_samples_leaf": "20"},
    ),
    "hist_gradient_boosting": (
        _hist_gradient_boosting,
        {"learning_rate": "0.05", "max_iter": "100", "max_leaf_nodes": "15"},
    ),
}


class SklearnModel(Model):
    """One of :data:`ESTIMATORS`, fitted in place, saved as ``model.skops``."""

    kind = "sklearn"

    def __init__(
        self,
        estimator: str = "logistic",
        params: Mapping[str, str] | None = None,
        seed: int = 0,
        *,
        fitted: Any = None,
    ) -> None:
        """An unfitted model (``fitted``: one loaded from an artifact).

        Raises:
            ConfigurationError: an unknown estimator or parameter, or a bad value.
        """
        if estimator not in ESTIMATORS:
            raise ConfigurationError(
                f"unknown scikit-learn model {estimator!r}; known: "
                f"{', '.join(ESTIMATORS)}"
            )
        build, defaults = ESTIMATORS[estimator]
        given = dict(params or {})
        unknown = sorted(set(given) - set(defaults))
        if unknown:
            raise ConfigurationError(
                f"sklearn:{estimator} has no parameter {', '.join(unknown)}; known: "
                f"{', '.join(defaults)}"
            )
        self.estimator_name = estimator
        self._loaded = fitted is not None
        self.seed = seed
        self._params = {**defaults, **{k: str(v) for k, v in given.items()}}
        try:
            self._estimator = (
                fitted if fitted is not None else build(self._params, seed)
            )
        except ValueError as e:
            raise ConfigurationError(f"sklearn:{estimator} parameters: {e}") from None

    def fit(self, features: np.ndarray, labels: np.ndarray) -> None:
        """Fit on ``features`` and 0/1 ``labels`` (both classes must be present)."""
        if len(np.unique(labels)) < 2:
            raise ConfigurationError("the training labels hold only one class")
        self._estimator.fit(np.asarray(features, dtype=np.float64), labels)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability of the positive class per row."""
        probs = self._estimator.predict_proba(np.asarray(features, dtype=np.float64))
        return np.asarray(probs[:, 1], dtype=np.float64)

    def save(self, folder: Path) -> Path:
        """Write ``folder/model.skops``."""
        path = folder / ARTIFACT_FILES["sklearn"]
        path.write_bytes(canonical_skops(sio.dumps(self._estimator)))
        return path

    def parameters(self) -> dict[str, str]:
        """The estimator name, its parameters and the seed, as strings (a loaded
        model knows only its estimator: the card and manifest hold the rest)."""
        if self._loaded:
            return {"estimator": self.estimator_name}
        return {
            "estimator": self.estimator_name,
            **self._params,
            "seed": str(self.seed),
        }


_ARRAY_FILE = re.compile(r"^[0-9]+\.npy$")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def canonical_skops(data: bytes) -> bytes:
    """``data`` (a skops zip) with deterministic bytes: same model, same sha256.

    skops names each array file, and tags each object (``__id__``, which marks
    objects referenced twice), after its ``id()`` (a memory address), and stamps
    zip entries with the wall clock, so two dumps of one model differ. Here the
    array files are renamed ``0.npy, 1.npy...`` and the ``__id__`` values numbered
    0, 1... in the order ``schema.json`` first mentions them (one-to-one, so shared
    references stay shared), entries are written in name order, stamped
    1980-01-01, with the same compression.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    schema = source.read("schema.json").decode("utf-8")
    arrays = [i.filename for i in source.infolist() if _ARRAY_FILE.match(i.filename)]
    arrays.sort(key=lambda name: schema.find(f'"{name}"'))
    renamed = {old: f"{n}.npy" for n, old in enumerate(arrays)}
    schema = re.sub(
        r'"([0-9]+\.npy)"', lambda m: f'"{renamed.get(m[1], m[1])}"', schema
    )
    ids: dict[str, int] = {}
    schema = re.sub(
        r'"__id__": ([0-9]+)',
        lambda m: f'"__id__": {ids.setdefault(m[1], len(ids))}',
        schema,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        entries = [(renamed.get(i.filename, i.filename), i) for i in source.infolist()]
        for name, info in sorted(entries, key=lambda e: e[0]):
            item = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            item.compress_type = info.compress_type
            item.external_attr = info.external_attr
            body = (
                schema.encode("utf-8")
                if name == "schema.json"
                else source.read(info.filename)
            )
            target.writestr(item, body)
    return out.getvalue()


class SklearnLoader(ModelLoader):
    """Loads ``model.skops`` files: sha256 first, then only trusted types."""

    def load(self, artifact: Path, sha256: str) -> Model:
        """The model in ``artifact`` (see the module docstring).

        Raises:
            ManifestTampered: the hash differs, or the file holds an untrusted type.
        """
        data = read_verified(artifact, sha256)
        untrusted = sio.get_untrusted_types(data=data)
        unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if unexpected:
            raise ManifestTampered(
                f"model artifact {artifact.name} holds untrusted types "
                f"{', '.join(unexpected)}: refusing to load it"
            )
        fitted = sio.load(io.BytesIO(data), trusted=list(untrusted))
        return SklearnModel(_name_of(fitted), fitted=fitted)


def _name_of(fitted: Any) -> str:
    if isinstance(fitted, Pipeline):
        return "logistic"
    if isinstance(fitted, RandomForestClassifier):
        return "random_forest"
    if isinstance(fitted, HistGradientBoostingClassifier):
        return "hist_gradient_boosting"
    raise ManifestTampered(f"model artifact holds a {type(fitted).__name__}")
