"""The Model port's contract, run against every adapter: scikit-learn (skops) and
LightGBM. Fit, predict, save, load by hash; the same seed gives the same model."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from tradecore.adapters.models.artifacts import file_sha256, load_model
from tradecore.adapters.models.factory import MODEL_NAMES, make_model
from tradecore.adapters.models.layout import ARTIFACT_FILES
from tradecore.domain.errors import ConfigurationError, ManifestTampered

SMALL = {
    "lightgbm": {"num_boost_round": "20"},
    "sklearn:random_forest": {"n_estimators": "10"},
    "sklearn:hist_gradient_boosting": {"max_iter": "20"},
}


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 4))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(0, 0.7, 400) > 0).astype(np.int64)
    return x, y


@pytest.fixture(params=MODEL_NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _fitted(name: str, seed: int = 3):  # type: ignore[no-untyped-def]
    model = make_model(name, SMALL.get(name, {}), seed)
    model.fit(*_data())
    return model


def test_predicts_probabilities_that_learn(name: str) -> None:
    model = _fitted(name)
    x, y = _data(1)
    p = model.predict_proba(x)
    assert p.shape == (400,)
    assert ((p >= 0) & (p <= 1)).all()
    assert np.mean((p > 0.5) == (y == 1)) > 0.65  # better than a coin on fresh data


def test_save_load_round_trip_predicts_identically(name: str, tmp_path: Path) -> None:
    model = _fitted(name)
    artifact = model.save(tmp_path)
    assert artifact.name == ARTIFACT_FILES[model.kind]
    loaded = load_model(artifact, file_sha256(artifact))
    x, _ = _data(2)
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.kind == model.kind


def test_a_wrong_hash_is_refused_before_parsing(name: str, tmp_path: Path) -> None:
    artifact = _fitted(name).save(tmp_path)
    with pytest.raises(ManifestTampered, match="refusing to load"):
        load_model(artifact, "0" * 64)
    artifact.write_bytes(artifact.read_bytes() + b" ")
    with pytest.raises(ManifestTampered):
        load_model(artifact, hashlib.sha256(b"the original").hexdigest())


def test_same_seed_same_predictions_and_bytes(name: str, tmp_path: Path) -> None:
    a, b = _fitted(name, seed=5), _fitted(name, seed=5)
    x, _ = _data(4)
    np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert file_sha256(a.save(tmp_path / "a")) == file_sha256(b.save(tmp_path / "b"))


def test_parameters_are_strings_with_the_seed(name: str) -> None:
    params = make_model(name, SMALL.get(name, {}), 9).parameters()
    assert params["seed"] == "9"
    assert all(isinstance(v, str) for v in params.values())


def test_single_class_labels_are_a_clear_error(name: str) -> None:
    x, _ = _data()
    with pytest.raises(ConfigurationError, match="one class"):
        make_model(name, SMALL.get(name, {}), 0).fit(x, np.ones(len(x), dtype=np.int64))


def test_unknown_names_and_parameters_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown model 'xgboost'"):
        make_model("xgboost", {}, 0)
    with pytest.raises(ConfigurationError, match="no parameter depth"):
        make_model("lightgbm", {"depth": "3"}, 0)
    with pytest.raises(ConfigurationError, match="expected an int"):
        make_model("lightgbm", {"num_leaves": "many"}, 0)
    with pytest.raises(ConfigurationError, match="no parameter depth"):
        make_model("sklearn:logistic", {"depth": "3"}, 0)


def test_skops_files_with_untrusted_types_are_refused(tmp_path: Path) -> None:
    """A correctly hashed file holding a type outside the trusted list never loads."""
    from sklearn.feature_extraction.text import CountVectorizer

    path = tmp_path / ARTIFACT_FILES["sklearn"]
    buffer = io.BytesIO()
    sio.dump({"odd": CountVectorizer(preprocessor=print)}, buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ManifestTampered, match="untrusted types"):
        load_model(path, file_sha256(path))
