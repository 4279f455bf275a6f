"""What the domain needs of a model: probabilities from a feature matrix.

Strategies that trade on a model (``ModelStrategy``) hold a :class:`Predictor`;
the training, saving and loading side is the ``Model`` port (``tradecore.ports.model``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Predictor(Protocol):
    """Maps feature rows to the probability that each row's label is positive."""

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """``features`` (n × k float64, the feature set's column order) to (n,)
        probabilities in [0, 1]."""
        ...
