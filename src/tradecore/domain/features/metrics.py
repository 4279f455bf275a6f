"""Classification metrics of probability forecasts (model cards, training summaries).

- **hit rate**: the share of rows whose up/down call (``p > 0.5``) matches the label;
- **AUC**: the probability that a random positive row scores above a random negative
  one, ties counting one half (the Mann-Whitney U statistic divided by
  ``n_pos * n_neg``; Hanley & McNeil, *Radiology* 143, 1982); NaN with one class;
- **log loss**: ``-mean(y log p + (1 - y) log(1 - p))``, ``p`` clipped to
  ``[1e-15, 1 - 1e-15]`` (as scikit-learn does);
- **base rate**: the share of positive labels (the hit rate of always saying "up"
  when it is above one half).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradecore.domain.errors import InvalidInput

EPSILON = 1e-15


def classification_metrics(y: ArrayLike, p: ArrayLike) -> dict[str, float | int]:
    """``hit_rate``, ``auc``, ``log_loss``, ``base_rate`` and ``n`` of forecasts ``p``.

    Raises:
        InvalidInput: the arrays differ in length or are empty.
    """
    labels = np.asarray(y, dtype=np.float64)
    probs = np.asarray(p, dtype=np.float64)
    if labels.shape != probs.shape or labels.ndim != 1 or len(labels) == 0:
        raise InvalidInput(
            "predictions", probs.shape, f"must match labels {labels.shape}"
        )
    clipped = np.clip(probs, EPSILON, 1 - EPSILON)
    loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    return {
        "hit_rate": float(np.mean((probs > 0.5) == (labels > 0.5))),
        "auc": auc(labels, probs),
        "log_loss": float(loss),
        "base_rate": float(labels.mean()),
        "n": len(labels),
    }


def auc(y: ArrayLike, p: ArrayLike) -> float:
    """Area under the ROC curve via average ranks (module docstring)."""
    labels = np.asarray(y, dtype=np.float64) > 0.5
    scores = np.asarray(p, dtype=np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], len(scores)]
    average = (starts + ends + 1) / 2.0  # 1-based average rank of each tie group
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[labels].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))
