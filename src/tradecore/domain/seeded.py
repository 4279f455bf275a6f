"""A seeded numpy ``Generator`` made on its first draw.

Why: ``numpy.random`` costs a process about 0.02 s to import (its bit generators
and distributions), and a simulated venue or an order manager holds a generator
it may never draw from: an ideal-fill replay has no latency tails and no reject
rate, and a replay's submits never need a retry delay (issue 18: start-up). The
draws are the ones ``np.random.default_rng(seed)`` gives, in the same order, so
making the generator later changes no result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

if TYPE_CHECKING:
    from numpy.random import Generator

#: A generator, or a :class:`SeededGenerator` that makes it when first asked.
Draws: TypeAlias = "Generator | Callable[[], Generator]"


class SeededGenerator:
    """Call it for ``np.random.default_rng(seed)``, made once, on the first call."""

    __slots__ = ("_generator", "_seed")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._generator: Generator | None = None

    def __call__(self) -> Generator:
        """The generator (the same one every call, so the draws continue)."""
        if self._generator is None:
            self._generator = np.random.default_rng(self._seed)
        return self._generator


def generator_of(draws: Draws) -> Generator:
    """The generator ``draws`` stands for (made now if it is a seeded one)."""
    return draws() if callable(draws) else draws
