"""Classification metrics agree with scikit-learn's."""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from tradecore.domain.features.metrics import auc, classification_metrics


def test_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = np.clip(0.5 + 0.2 * (y - 0.5) + rng.normal(0, 0.2, 500), 0.01, 0.99)
    p[:50] = 0.5  # ties
    m = classification_metrics(y, p)
    assert math.isclose(m["auc"], roc_auc_score(y, p), rel_tol=1e-12)
    assert math.isclose(m["log_loss"], log_loss(y, p), rel_tol=1e-9)
    assert m["hit_rate"] == np.mean((p > 0.5) == (y == 1))
    assert m["base_rate"] == y.mean()
    assert m["n"] == 500


def test_auc_of_one_class_is_nan() -> None:
    assert math.isnan(auc([1, 1, 1], [0.2, 0.5, 0.9]))
    assert auc([0, 1], [0.1, 0.9]) == 1.0
    assert auc([0, 1], [0.9, 0.1]) == 0.0
