"""Hand-built cases for the splitters (the invariants are property tests)."""

from __future__ import annotations

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.splits import (
    CombinatorialPurgedKFold,
    PurgedKFold,
    WalkForwardWindow,
    walk_forward_split,
    walk_forward_windows,
)

# Ten samples, one per time unit, each label spanning two units: [i, i + 2].
T0 = np.arange(10, dtype=np.int64)
T1 = T0 + 2


def test_purged_kfold_purges_before_and_embargoes_after() -> None:
    folds = list(PurgedKFold(5, embargo=1).split(T0, T1))
    train, test = folds[2]
    assert test.tolist() == [4, 5]
    # Test span [4, 7]: samples 2 and 3 end at 4 and 5 (overlap: purged); 6 and 7
    # start inside the span; 8 starts within the embargo (7 < 8 <= 8).
    assert train.tolist() == [0, 1, 9]
    first_train, first_test = folds[0]
    assert first_test.tolist() == [0, 1]
    assert first_train.tolist() == [5, 6, 7, 8, 9]  # span [0, 3], embargo to 4


def test_purged_kfold_rejects_bad_input() -> None:
    with pytest.raises(InvalidInput):
        PurgedKFold(1)
    with pytest.raises(InvalidInput):
        PurgedKFold(3, embargo=-1)
    with pytest.raises(InvalidInput, match="time order"):
        list(PurgedKFold(2).split([3, 1, 2], [3, 1, 2]))
    with pytest.raises(InvalidInput, match="before its t0"):
        list(PurgedKFold(2).split([1, 2, 3], [1, 1, 3]))
    with pytest.raises(InvalidInput, match="fewer samples"):
        list(PurgedKFold(4).split([1, 2, 3], [1, 2, 3]))


def test_cpcv_splits_and_paths() -> None:
    cv = CombinatorialPurgedKFold(4, 2)
    assert cv.test_groups() == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert cv.paths() == [(0, 0, 1, 2), (1, 3, 3, 4), (2, 4, 5, 5)]
    splits = list(cv.split(np.arange(8), np.arange(8)))
    assert splits[1][1].tolist() == [0, 1, 4, 5]
    assert splits[1][0].tolist() == [2, 3, 6, 7]
    with pytest.raises(InvalidInput):
        CombinatorialPurgedKFold(4, 4)


def test_walk_forward_rolling_and_anchored() -> None:
    rolling = walk_forward_windows(0, 100, train=40, test=20, embargo=5)
    assert rolling == [
        WalkForwardWindow(train_start=0, train_end=40, test_start=45, test_end=65),
        WalkForwardWindow(train_start=20, train_end=60, test_start=65, test_end=85),
    ]
    anchored = walk_forward_windows(0, 100, train=40, test=20, embargo=5, anchored=True)
    assert [w.train_start for w in anchored] == [0, 0]
    assert [w.train_end for w in anchored] == [40, 60]
    with pytest.raises(InvalidInput):
        walk_forward_windows(0, 10, train=0, test=1)


def test_walk_forward_split_on_timestamps() -> None:
    times = np.arange(0, 100, 10, dtype=np.int64)  # 0, 10, ..., 90
    (train, test), *rest = walk_forward_split(times, train=40, test=20, embargo=10)
    assert train.tolist() == [0, 1, 2, 3]
    assert test.tolist() == [5, 6]  # [50, 70)
    assert len(rest) == 1
