"""Splitters for honest validation: walk-forward windows, purged k-fold, and
combinatorial purged cross-validation (CPCV) with its backtest paths.

Sources: López de Prado (2018), *Advances in Financial Machine Learning* (AFML),
ch. 7 (purged k-fold: 7.4.1 purging, 7.4.2 embargo) and ch. 12 (combinatorial
purged CV: 12.4, the number of splits ``C(N, k)`` and of paths
``phi = k / N * C(N, k)``, and the assembly of the paths).

Conventions:

* a sample ``i`` has a label interval ``[t0[i], t1[i]]`` (closed: it starts when
  the features are known and ends when the label is); ``t0`` and ``t1`` are
  int64 numbers in any unit (nanoseconds, bar indexes), ``embargo`` in the same
  unit; samples are in time order (``t0`` non-decreasing);
* a test block is a run of consecutive samples; its span is ``[t0 of its first
  sample, the latest t1 in it]``;
* **purging** drops from training every sample whose label interval overlaps a test
  span (touching counts as overlapping); the **embargo** also drops every sample
  that starts within ``embargo`` after the span's end: a training sample ``k``
  survives a test span ``[a, b]`` iff ``t1[k] < a`` or ``t0[k] > b + embargo``;
* walk-forward windows are half-open ``[start, end)`` intervals on any integer
  axis (bar indexes or nanoseconds): train, then ``embargo``, then test.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import combinations

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradecore.domain.errors import InvalidInput

IntArray = NDArray[np.int64]


@attrs.frozen(kw_only=True, slots=True)
class WalkForwardWindow:
    """One walk-forward step: train on ``[train_start, train_end)``, then skip the
    embargo, then test on ``[test_start, test_end)``."""

    train_start: int
    train_end: int
    test_start: int
    test_end: int


def walk_forward_windows(
    start: int,
    end: int,
    *,
    train: int,
    test: int,
    step: int | None = None,
    embargo: int = 0,
    anchored: bool = False,
) -> list[WalkForwardWindow]:
    """Return the walk-forward windows that fit in ``[start, end)``.

    The first train window starts at ``start``; each test window begins
    ``embargo`` after its train window ends and lasts ``test``; the next window
    moves ``step`` later (``test`` by default, so test windows tile the axis).
    Rolling windows keep ``train`` long; anchored ones keep ``start`` and grow.
    Only whole test windows are returned.

    Raises:
        InvalidInput: a non-positive ``train``/``test``/``step`` or negative embargo.
    """
    step = test if step is None else step
    for name, value in (("train", train), ("test", test), ("step", step)):
        if value <= 0:
            raise InvalidInput(name, value, "must be > 0")
    if embargo < 0:
        raise InvalidInput("embargo", embargo, "must be >= 0")
    windows: list[WalkForwardWindow] = []
    train_end = start + train
    while train_end + embargo + test <= end:
        test_start = train_end + embargo
        windows.append(
            WalkForwardWindow(
                train_start=start if anchored else train_end - train,
                train_end=train_end,
                test_start=test_start,
                test_end=test_start + test,
            )
        )
        train_end += step
    return windows


def walk_forward_split(
    times: ArrayLike,
    *,
    train: int,
    test: int,
    step: int | None = None,
    embargo: int = 0,
    anchored: bool = False,
) -> Iterator[tuple[IntArray, IntArray]]:
    """Yield ``(train_idx, test_idx)`` of sorted ``times`` for each walk-forward window.

    The windows (:func:`walk_forward_windows`) start at the first time and end just
    after the last; ``train``, ``test``, ``step`` and ``embargo`` are in the units
    of ``times``.
    """
    stamps = _sorted_times(times, "times")
    if len(stamps) == 0:
        return
    windows = walk_forward_windows(
        int(stamps[0]),
        int(stamps[-1]) + 1,
        train=train,
        test=test,
        step=step,
        embargo=embargo,
        anchored=anchored,
    )
    for w in windows:
        lo, hi = np.searchsorted(stamps, [w.train_start, w.train_end], "left")
        a, b = np.searchsorted(stamps, [w.test_start, w.test_end], "left")
        yield np.arange(lo, hi, dtype=np.int64), np.arange(a, b, dtype=np.int64)


def _sorted_times(values: ArrayLike, name: str) -> IntArray:
    stamps = np.asarray(values, dtype=np.int64)
    if stamps.ndim != 1:
        raise InvalidInput(name, stamps.shape, "must be 1-dimensional")
    if len(stamps) > 1 and (np.diff(stamps) < 0).any():
        raise InvalidInput(name, "unordered", "must be in time order")
    return stamps


def _label_times(t0: ArrayLike, t1: ArrayLike) -> tuple[IntArray, IntArray]:
    starts = _sorted_times(t0, "t0")
    ends = np.asarray(t1, dtype=np.int64)
    if ends.shape != starts.shape:
        raise InvalidInput("t1", ends.shape, f"must match t0's shape {starts.shape}")
    if (ends < starts).any():
        index = int(np.flatnonzero(ends < starts)[0])
        raise InvalidInput("t1", int(ends[index]), f"at {index} is before its t0")
    return starts, ends


def _blocks(n_samples: int, n_blocks: int) -> list[IntArray]:
    """``n_blocks`` contiguous runs of indexes, sizes differing by at most one."""
    return [
        np.asarray(b, dtype=np.int64)
        for b in np.array_split(np.arange(n_samples), n_blocks)
    ]


def purged_train(
    t0: IntArray, t1: IntArray, test_blocks: Sequence[IntArray], embargo: int
) -> IntArray:
    """Return the indexes that may train against ``test_blocks`` (purged, embargoed).

    A sample stays iff it is in no test block and, for every block's span
    ``[a, b]``, ``t1 < a`` or ``t0 > b + embargo``.
    """
    keep = np.ones(len(t0), dtype=bool)
    for block in test_blocks:
        if len(block) == 0:
            continue
        first, last = int(t0[block[0]]), int(t1[block].max())
        keep &= (t1 < first) | (t0 > last + embargo)
        keep[block] = False
    return np.flatnonzero(keep).astype(np.int64)


@attrs.frozen(slots=True)
class PurgedKFold:
    """K-fold cross-validation without leakage (AFML ch. 7).

    ``split(t0, t1)`` yields ``n_splits`` pairs ``(train_idx, test_idx)``: the test
    sets are contiguous blocks of samples in time order (their sizes differ by at
    most one) and together test every sample once; each train set leaves out the
    samples whose label overlaps the test span or starts within ``embargo`` after it.
    """

    n_splits: int = attrs.field()
    embargo: int = attrs.field(default=0)

    @n_splits.validator
    def _check_splits(self, _: object, value: int) -> None:
        if value < 2:
            raise InvalidInput("n_splits", value, "need at least two folds")

    @embargo.validator
    def _check_embargo(self, _: object, value: int) -> None:
        if value < 0:
            raise InvalidInput("embargo", value, "must be >= 0")

    def split(
        self, t0: ArrayLike, t1: ArrayLike
    ) -> Iterator[tuple[IntArray, IntArray]]:
        """Yield ``(train_idx, test_idx)`` for each fold, test blocks in time order.

        Raises:
            InvalidInput: fewer samples than folds, unsorted ``t0``, or ``t1 < t0``.
        """
        starts, ends = _label_times(t0, t1)
        if len(starts) < self.n_splits:
            reason = f"fewer samples than n_splits={self.n_splits}"
            raise InvalidInput("t0", len(starts), reason)
        for block in _blocks(len(starts), self.n_splits):
            yield purged_train(starts, ends, [block], self.embargo), block


@attrs.frozen(slots=True)
class CombinatorialPurgedKFold:
    """Combinatorial purged cross-validation, CPCV (AFML ch. 12).

    The samples fall into ``n_groups`` contiguous groups; each of the ``C(N, k)``
    splits tests one combination of ``k_test`` groups (in lexicographic order) and
    trains on the rest, purged and embargoed around every test group. Each group is
    tested in ``C(N - 1, k - 1)`` splits, so the out-of-sample predictions assemble
    into ``phi = k / N * C(N, k)`` backtest paths, each covering every group once.
    """

    n_groups: int = attrs.field()
    k_test: int = attrs.field()
    embargo: int = attrs.field(default=0)

    @n_groups.validator
    def _check_groups(self, _: object, value: int) -> None:
        if value < 2:
            raise InvalidInput("n_groups", value, "need at least two groups")

    @k_test.validator
    def _check_k(self, _: object, value: int) -> None:
        if not 1 <= value < self.n_groups:
            raise InvalidInput("k_test", value, f"must be in [1, {self.n_groups})")

    @embargo.validator
    def _check_embargo(self, _: object, value: int) -> None:
        if value < 0:
            raise InvalidInput("embargo", value, "must be >= 0")

    @property
    def n_splits(self) -> int:
        """The number of train/test splits, ``C(N, k)``."""
        return math.comb(self.n_groups, self.k_test)

    @property
    def n_paths(self) -> int:
        """The number of backtest paths, ``phi = k / N * C(N, k) = C(N-1, k-1)``."""
        return math.comb(self.n_groups - 1, self.k_test - 1)

    def test_groups(self) -> list[tuple[int, ...]]:
        """The groups each split tests, in split order (lexicographic)."""
        return list(combinations(range(self.n_groups), self.k_test))

    def paths(self) -> list[tuple[int, ...]]:
        """The backtest paths: ``paths()[p][g]`` is the split whose test
        predictions of group ``g`` make up path ``p``.

        Path ``p`` takes, for every group, the ``p``-th split (in split order)
        that tests that group, so every (split, tested group) pair is used by
        exactly one path.
        """
        testers: list[list[int]] = [[] for _ in range(self.n_groups)]
        for split, groups in enumerate(self.test_groups()):
            for g in groups:
                testers[g].append(split)
        return [
            tuple(testers[g][p] for g in range(self.n_groups))
            for p in range(self.n_paths)
        ]

    def groups(self, n_samples: int) -> list[IntArray]:
        """The sample indexes of each group (contiguous, in time order)."""
        if n_samples < self.n_groups:
            reason = f"fewer samples than n_groups={self.n_groups}"
            raise InvalidInput("n_samples", n_samples, reason)
        return _blocks(n_samples, self.n_groups)

    def path_segments(self, n_samples: int) -> list[list[tuple[int, IntArray]]]:
        """For each path, its ``(split, sample indexes)`` segments in time order.

        Concatenating a path's segments' predictions (each taken from its split's
        model) gives one out-of-sample backtest over every sample.
        """
        groups = self.groups(n_samples)
        return [[(s, groups[g]) for g, s in enumerate(path)] for path in self.paths()]

    def split(
        self, t0: ArrayLike, t1: ArrayLike
    ) -> Iterator[tuple[IntArray, IntArray]]:
        """Yield ``(train_idx, test_idx)`` for each of the ``C(N, k)`` splits.

        Raises:
            InvalidInput: fewer samples than groups, unsorted ``t0``, or ``t1 < t0``.
        """
        starts, ends = _label_times(t0, t1)
        groups = self.groups(len(starts))
        for chosen in self.test_groups():
            blocks = [groups[g] for g in chosen]
            train = purged_train(starts, ends, blocks, self.embargo)
            yield train, np.concatenate(blocks)
