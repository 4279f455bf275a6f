"""Training a model on point-in-time features with purged, embargoed k-fold.

:func:`train_model` computes the feature matrix of the bars, checks it for leakage
(:func:`~tradecore.domain.features.leakage.feature_leakage`), labels the rows
(``forward_return:N``), and measures the model out of sample with
:class:`~tradecore.domain.research.splits.PurgedKFold` (López de Prado, *Advances in
Financial Machine Learning*, 2018, ch. 7): each fold's model trains on the rows
whose label interval does not overlap the test block, nor starts within
``embargo_bars`` bars after it, and predicts the block; the pooled predictions give
the out-of-sample metrics. The final model is fitted on every row; its predictions
on those same rows give the in-sample metrics (the gap between the two is the
overfit).

Label intervals are measured on the bar timeline (the sorted distinct bar times of
all symbols), so the embargo is a number of bars, as the manifest's
``embargo_bars`` says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import numpy as np

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.feature_set import FeatureSet
from tradecore.domain.features.labels import Label, LabelledDataset, labelled
from tradecore.domain.features.leakage import feature_leakage
from tradecore.domain.features.metrics import classification_metrics
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.leakage import LeakageReport
from tradecore.domain.research.splits import PurgedKFold
from tradecore.ports.model import Model

#: Builds a fresh, unfitted model (one per fold, one for the final fit).
ModelFactory = Callable[[], Model]


@attrs.frozen(kw_only=True, eq=False)
class TrainingResult:
    """The final model and what training measured."""

    model: Model
    dataset: LabelledDataset
    in_sample: dict[str, float | int]
    out_of_sample: dict[str, float | int]
    folds: tuple[dict[str, float | int], ...]
    leakage: LeakageReport
    #: The embargo after each test block, in bars.
    embargo_bars: int
    #: Mean absolute forward return of the training rows (ModelStrategy's edge scale).
    avg_abs_forward_return: float


def train_model(
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    label: Label,
    make_model: ModelFactory,
    *,
    calendar: MarketCalendar | None = None,
    folds: int = 5,
    embargo_bars: int = 0,
) -> TrainingResult:
    """Train and evaluate (see the module docstring).

    Raises:
        ConfigurationError: too few labelled rows for the folds, or a fold's
            training rows (after purging) hold only one class.
    """
    matrix = feature_set.matrix(frames, calendar)
    leakage = feature_leakage(feature_set, frames, calendar, full=matrix)
    data = labelled(matrix, frames, label)
    if len(data) < 2 * folds:
        raise ConfigurationError(
            f"only {len(data)} labelled rows (after warm-up and the {label} horizon): "
            f"too few for {folds} folds; give more bars"
        )
    timeline = np.unique(matrix.timestamps)
    t0 = np.searchsorted(timeline, data.t0)
    t1 = np.searchsorted(timeline, data.t1)
    oos = np.full(len(data), np.nan)
    per_fold = []
    for train, test in PurgedKFold(folds, embargo_bars).split(t0, t1):
        if len(np.unique(data.y[train])) < 2:
            raise ConfigurationError(
                f"a fold has {len(train)} training rows of one class after purging "
                f"and a {embargo_bars}-bar embargo: give more bars or fewer folds"
            )
        model = make_model()
        model.fit(data.features[train], data.y[train])
        oos[test] = model.predict_proba(data.features[test])
        per_fold.append(classification_metrics(data.y[test], oos[test]))
    final = make_model()
    final.fit(data.features, data.y)
    return TrainingResult(
        model=final,
        dataset=data,
        in_sample=classification_metrics(data.y, final.predict_proba(data.features)),
        out_of_sample=classification_metrics(data.y, oos),
        folds=tuple(per_fold),
        leakage=leakage,
        embargo_bars=embargo_bars,
        avg_abs_forward_return=float(np.mean(np.abs(data.forward_return))),
    )
