"""Isotonic calibration of model probabilities against realised outcomes.

Why: a classifier's scores are rarely probabilities; Kelly sizing needs probabilities.
Isotonic regression fits the best non-decreasing map from score to hit rate without
assuming a shape, and keeps the order of the scores (a higher score never becomes a
lower probability), which the sizing's monotonicity relies on. The fit itself is
``scipy.optimize.isotonic_regression``; between fitted points the map interpolates
linearly and beyond them it is flat.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import require_between
from tradecore.domain.hashing import sha256_hex


@attrs.frozen(kw_only=True, slots=True)
class IsotonicCalibrator:
    """A fitted non-decreasing map from raw probability to calibrated probability."""

    knots: tuple[float, ...]
    values: tuple[float, ...]
    samples: int

    def __attrs_post_init__(self) -> None:
        if not self.knots or len(self.knots) != len(self.values):
            raise InvalidInput("knots", self.knots, "need as many values, at least one")
        if any(b <= a for a, b in zip(self.knots, self.knots[1:], strict=False)):
            raise InvalidInput("knots", self.knots, "must be strictly increasing")
        if any(b < a for a, b in zip(self.values, self.values[1:], strict=False)):
            raise InvalidInput("values", self.values, "must be non-decreasing")

    @classmethod
    def fit(
        cls, probabilities: Sequence[float], outcomes: Sequence[bool | int]
    ) -> IsotonicCalibrator:
        """Fit on (raw probability, outcome) pairs; outcomes are 1/True for a win.

        Raises:
            InvalidInput: the sequences are empty or of different lengths, a
                probability is outside [0, 1], or an outcome is not 0/1.
        """
        if len(probabilities) != len(outcomes) or not probabilities:
            raise InvalidInput(
                "probabilities", len(probabilities), "need as many outcomes, >= 1"
            )
        raw = np.array(
            [require_between("probability", p, 0.0, 1.0) for p in probabilities]
        )
        # Imported on use: scipy.optimize would slow every ``import tradecore``.
        from scipy.optimize import isotonic_regression

        wins = np.array([_outcome(o) for o in outcomes], dtype=np.float64)
        knots, inverse = np.unique(raw, return_inverse=True)
        counts = np.bincount(inverse).astype(np.float64)
        rates = np.bincount(inverse, weights=wins) / counts
        fitted = isotonic_regression(rates, weights=counts, increasing=True).x
        return cls(
            knots=tuple(knots.tolist()),
            values=tuple(np.clip(fitted, 0.0, 1.0).tolist()),
            samples=len(probabilities),
        )

    def calibrate(self, probability: float) -> float:
        """Return the calibrated probability for a raw one (flat beyond the knots).

        Raises:
            InvalidInput: ``probability`` is outside [0, 1].
        """
        p = require_between("probability", probability, 0.0, 1.0)
        knots, values = self.knots, self.values
        right = bisect.bisect_right(knots, p)
        if right == 0:
            return values[0]
        if right == len(knots):
            return values[-1]
        x0, x1 = knots[right - 1], knots[right]
        y0, y1 = values[right - 1], values[right]
        return y0 + (y1 - y0) * (p - x0) / (x1 - x0)

    @property
    def content_hash(self) -> str:
        """The sha256 of the fitted map, for manifests and decision records."""
        return sha256_hex(self)


def _outcome(value: object) -> float:
    if isinstance(value, bool) or value in (0, 1):
        return float(bool(value))
    raise InvalidInput("outcome", value, "expected 0/1 or a bool")
