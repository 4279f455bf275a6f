"""Shrink a long curve for plotting while keeping every peak and trough visible."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def minmax_indices(values: NDArray[np.float64], max_points: int) -> NDArray[np.int64]:
    """Return sorted indices of at most ``max_points`` points that keep the shape.

    The curve is cut into ``(max_points - 2) // 2`` equal buckets and each keeps its
    minimum and maximum (plus the first and last point), so a drawdown or spike
    never disappears the way it would under plain striding. Vectorized: one reshape,
    one argmin and one argmax.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n, dtype=np.int64)
    buckets = max(1, (max_points - 2) // 2)
    size = -(-n // buckets)  # ceil division
    padded = np.pad(values, (0, buckets * size - n), mode="edge").reshape(buckets, size)
    offsets = np.arange(buckets, dtype=np.int64) * size
    picks = np.concatenate(
        [offsets + padded.argmin(axis=1), offsets + padded.argmax(axis=1), [0, n - 1]]
    )
    return sorted_unique(np.minimum(picks, n - 1))


def sorted_unique(indices: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values of ``indices``, ascending: ``np.unique(indices)``.

    Why not ``np.unique``: it asks ``np.ma`` whether the array is masked, and that
    imports ``numpy.ma`` (about 35 M instructions; a long replay's report was the
    only thing that imported it). Integers sort and compare exactly, so keeping each
    value that differs from the one before it is the same answer (a property holds
    the two equal).
    """
    ordered = np.sort(indices)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
