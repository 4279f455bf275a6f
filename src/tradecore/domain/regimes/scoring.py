"""Scoring a regime model against planted regimes, and the fits' one hash.

Accuracy is the share of bars after the warm-up whose most probable state equals
the planted one (both labelled calm-first, so no relabelling search is needed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.regimes.tracker import RegimeFit


def accuracy(
    predicted: NDArray[np.int64], planted: NDArray[np.int64], scored: NDArray[np.bool_]
) -> float:
    """Share of the ``scored`` bars where ``predicted`` equals ``planted``.

    Raises:
        InvalidInput: no bar is scored.
    """
    if not scored.any():
        raise InvalidInput("scored bars", 0, "nothing to score after the warm-up")
    return float((predicted[scored] == planted[scored]).mean())


def most_probable(probabilities: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each row's most probable state; -1 where the row is NaN (no reading)."""
    out = np.full(len(probabilities), -1, dtype=np.int64)
    valid = ~np.isnan(probabilities).any(axis=1)
    out[valid] = probabilities[valid].argmax(axis=1)
    return out


def fits_hash(fits: Sequence[RegimeFit]) -> str:
    """sha256 of every fit's canonical record (the run manifest's regime hash)."""
    return sha256_hex([fit.to_dict() for fit in fits])
