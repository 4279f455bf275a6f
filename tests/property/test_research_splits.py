"""Splitter invariants (AFML ch. 7 and 12): no overlap, purging and embargo, every
sample tested once, contiguous test blocks in time order, CPCV split and path counts,
walk-forward windows that never let test touch train."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.research.splits import (
    CombinatorialPurgedKFold,
    PurgedKFold,
    walk_forward_split,
    walk_forward_windows,
)


@st.composite
def labels(draw: st.DrawFn, min_size: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Label intervals [t0, t1] in time order: t0 non-decreasing, t1 >= t0."""
    n = draw(st.integers(min_size, 60))
    gaps = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    spans = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    t0 = np.cumsum(np.asarray(gaps, dtype=np.int64)) + 1_000
    return t0, t0 + np.asarray(spans, dtype=np.int64)


def assert_clean(
    t0: np.ndarray, t1: np.ndarray, train: np.ndarray, block: np.ndarray, embargo: int
) -> None:
    """No training label overlaps the block's span or starts in the embargo after it."""
    first, last = t0[block[0]], t1[block].max()
    overlaps = (t0[train] <= last) & (t1[train] >= first)
    embargoed = (t0[train] > last) & (t0[train] <= last + embargo)
    assert not overlaps.any()
    assert not embargoed.any()


def assert_maximal(
    t0: np.ndarray, t1: np.ndarray, train: np.ndarray, blocks: list, embargo: int
) -> None:
    """Nothing was dropped that the rule allows (purging is not over-eager)."""
    tested = np.concatenate(blocks)
    allowed = np.ones(len(t0), dtype=bool)
    allowed[tested] = False
    for block in blocks:
        first, last = t0[block[0]], t1[block].max()
        allowed &= (t1 < first) | (t0 > last + embargo)
    assert np.array_equal(np.flatnonzero(allowed), train)


@settings(max_examples=200)
@given(data=labels(), n_splits=st.integers(2, 8), embargo=st.integers(0, 20))
def test_purged_kfold_invariants(
    data: tuple[np.ndarray, np.ndarray], n_splits: int, embargo: int
) -> None:
    t0, t1 = data
    n_splits = min(n_splits, len(t0))
    folds = list(PurgedKFold(n_splits, embargo).split(t0, t1))
    assert len(folds) == n_splits
    tested = np.concatenate([test for _, test in folds])
    # Every sample tested exactly once, blocks contiguous and in time order.
    assert np.array_equal(tested, np.arange(len(t0)))
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, test in folds:
        assert np.array_equal(test, np.arange(test[0], test[-1] + 1))
        assert not np.intersect1d(train, test).size
        assert np.all(np.diff(train) > 0)
        assert_clean(t0, t1, train, test, embargo)
        assert_maximal(t0, t1, train, [test], embargo)


@given(data=labels(min_size=8))
def test_purged_kfold_without_overlap_or_embargo_trains_on_the_rest(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    t0, _ = data
    t0 = np.arange(len(t0), dtype=np.int64) * 10
    for train, test in PurgedKFold(4).split(t0, t0):
        assert len(train) + len(test) == len(t0)


@settings(max_examples=150)
@given(
    data=labels(min_size=2),
    n_groups=st.integers(2, 7),
    k=st.integers(1, 6),
    embargo=st.integers(0, 20),
)
def test_cpcv_invariants(
    data: tuple[np.ndarray, np.ndarray], n_groups: int, k: int, embargo: int
) -> None:
    t0, t1 = data
    n_groups = min(n_groups, len(t0))
    k = min(k, n_groups - 1)
    cv = CombinatorialPurgedKFold(n_groups, k, embargo)
    splits = list(cv.split(t0, t1))
    assert len(splits) == cv.n_splits == math.comb(n_groups, k)
    # phi = k / N * C(N, k)
    assert cv.n_paths * n_groups == k * math.comb(n_groups, k)
    groups = cv.groups(len(t0))
    for (train, test), chosen in zip(splits, cv.test_groups(), strict=True):
        blocks = [groups[g] for g in chosen]
        assert np.array_equal(test, np.concatenate(blocks))
        assert np.all(np.diff(test) > 0)
        assert not np.intersect1d(train, test).size
        for block in blocks:
            assert_clean(t0, t1, train, block, embargo)
        assert_maximal(t0, t1, train, blocks, embargo)
    paths = cv.paths()
    assert len(paths) == cv.n_paths
    used = set()
    tested_by = [set(c) for c in cv.test_groups()]
    for path in paths:
        assert len(path) == n_groups  # every group once, in group order
        for g, split in enumerate(path):
            assert g in tested_by[split]
            used.add((split, g))
    # Every (split, tested group) prediction belongs to exactly one path.
    assert len(used) == n_groups * cv.n_paths == cv.n_splits * k
    for segments in cv.path_segments(len(t0)):
        covered = np.concatenate([idx for _, idx in segments])
        assert np.array_equal(covered, np.arange(len(t0)))


def test_cpcv_afml_example_counts() -> None:
    """AFML 12.4: N = 6 groups, k = 2 -> 15 splits and 5 paths."""
    cv = CombinatorialPurgedKFold(6, 2)
    assert (cv.n_splits, cv.n_paths) == (15, 5)
    assert cv.paths()[0] == (0, 0, 1, 2, 3, 4)


@settings(max_examples=200)
@given(
    start=st.integers(-1_000, 1_000),
    length=st.integers(0, 500),
    train=st.integers(1, 80),
    test=st.integers(1, 40),
    step=st.none() | st.integers(1, 50),
    embargo=st.integers(0, 15),
    anchored=st.booleans(),
)
def test_walk_forward_window_invariants(
    start: int,
    length: int,
    train: int,
    test: int,
    step: int | None,
    embargo: int,
    anchored: bool,
) -> None:
    end = start + length
    windows = walk_forward_windows(
        start,
        end,
        train=train,
        test=test,
        step=step,
        embargo=embargo,
        anchored=anchored,
    )
    move = test if step is None else step
    for i, w in enumerate(windows):
        assert start <= w.train_start < w.train_end
        assert w.test_start - w.train_end == embargo  # embargo between train and test
        assert w.test_end - w.test_start == test
        assert w.test_end <= end
        if anchored:
            assert w.train_start == start
        else:
            assert w.train_end - w.train_start == train
        # No test window overlaps any window's train span that came before it.
        for earlier in windows[: i + 1]:
            assert earlier.train_end + embargo <= w.test_start
        if i:
            assert w.train_end - windows[i - 1].train_end == move
    # The windows stop only when the next test window would not fit.
    next_end = start + train + len(windows) * move + embargo + test
    assert next_end > end


@given(
    times=st.lists(st.integers(0, 400), min_size=1, max_size=80, unique=True),
    train=st.integers(1, 100),
    test=st.integers(1, 50),
    embargo=st.integers(0, 20),
    anchored=st.booleans(),
)
def test_walk_forward_split_respects_the_embargo(
    times: list[int], train: int, test: int, embargo: int, anchored: bool
) -> None:
    stamps = np.asarray(sorted(times), dtype=np.int64)
    for tr, te in walk_forward_split(
        stamps, train=train, test=test, embargo=embargo, anchored=anchored
    ):
        assert not np.intersect1d(tr, te).size
        if len(tr) and len(te):
            assert stamps[te].min() - stamps[tr].max() > embargo
