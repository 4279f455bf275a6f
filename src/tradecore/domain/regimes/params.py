"""A fitted Gaussian HMM's parameters, relabelled so state 0 is the calmest.

An HMM's states come out of every fit in an arbitrary order (EM's labels are a
permutation away from any other fit's); ordering them by the mean of the
volatility observation makes "state 1" mean "the more volatile regime" on every
date, so a multiplier or breaker keyed by state reads the same thing across
refits. Emissions are Gaussian with a diagonal covariance over the standardised
observations (log return, log realised volatility); ``center`` and ``scale`` are
the training window's mean and standard deviation, applied to every observation
the filter reads afterwards (Hamilton 1989; Rabiner 1989, "A tutorial on hidden
Markov models", Proc. IEEE 77(2) for the model and the forward recursion).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from tradecore.domain.errors import InvalidInput

#: Column of the volatility observation (column 0 is the log return).
VOL = 1
_ROW_TOLERANCE = 1e-6


def _floats(value: Sequence[float]) -> tuple[float, ...]:
    return tuple(float(x) for x in value)


def _rows(value: Sequence[Sequence[float]]) -> tuple[tuple[float, ...], ...]:
    return tuple(_floats(row) for row in value)


@attrs.frozen(slots=True)
class RegimeParams:
    """Start probabilities, transition matrix, per-state means and variances.

    ``means[k]`` and ``variances[k]`` are (log return, log volatility) pairs of
    state ``k`` in standardised units; ``transmat[i][j]`` is P(state j | state i).
    """

    start: tuple[float, ...] = attrs.field(converter=_floats)
    transmat: tuple[tuple[float, ...], ...] = attrs.field(converter=_rows)
    means: tuple[tuple[float, ...], ...] = attrs.field(converter=_rows)
    variances: tuple[tuple[float, ...], ...] = attrs.field(converter=_rows)
    center: tuple[float, ...] = attrs.field(converter=_floats)
    scale: tuple[float, ...] = attrs.field(converter=_floats)

    def __attrs_post_init__(self) -> None:
        k = len(self.start)
        if k < 2:
            raise InvalidInput("regime states", k, "must be >= 2")
        shapes = [len(self.transmat), len(self.means), len(self.variances)]
        if any(s != k for s in shapes) or any(len(r) != k for r in self.transmat):
            raise InvalidInput("regime params", shapes, f"must all have {k} states")
        for row in (self.start, *self.transmat):
            if not all(math.isfinite(p) and p >= 0 for p in row):
                raise InvalidInput("regime probabilities", row, "must be >= 0")
            if abs(sum(row) - 1.0) > _ROW_TOLERANCE:
                raise InvalidInput("regime probabilities", row, "must sum to 1")
        if any(not var > 0 for row in self.variances for var in row):
            raise InvalidInput("regime variances", self.variances, "must be > 0")
        if any(not s > 0 for s in self.scale):
            raise InvalidInput("regime scale", self.scale, "must be > 0")

    @property
    def n_states(self) -> int:
        """How many regimes."""
        return len(self.start)

    def ordered_by_volatility(self) -> RegimeParams:
        """The same model with states sorted by mean volatility, calmest first
        (ties keep their fitted order)."""
        order = sorted(range(self.n_states), key=lambda k: (self.means[k][VOL], k))
        return RegimeParams(
            start=[self.start[i] for i in order],
            transmat=[[self.transmat[i][j] for j in order] for i in order],
            means=[self.means[i] for i in order],
            variances=[self.variances[i] for i in order],
            center=self.center,
            scale=self.scale,
        )

    def stationary(self) -> tuple[float, ...]:
        """The transition matrix's stationary distribution (power iteration; the
        filter's prior when it restarts after a refit)."""
        k = self.n_states
        p = [1.0 / k] * k
        for _ in range(500):
            q = [sum(p[i] * self.transmat[i][j] for i in range(k)) for j in range(k)]
            if max(abs(a - b) for a, b in zip(p, q, strict=True)) < 1e-15:
                return tuple(q)
            p = q
        return tuple(p)

    def expected_durations(self) -> tuple[float, ...]:
        """Mean bars spent in each state once entered: ``1 / (1 - A[k][k])``."""
        return tuple(
            math.inf if row[k] >= 1.0 else 1.0 / (1.0 - row[k])
            for k, row in enumerate(self.transmat)
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-able copy (floats as ``repr`` strings: one spelling per value,
        so the stored file and its hash are the same on every machine)."""

        def text(row: Sequence[float]) -> list[str]:
            return [repr(float(x)) for x in row]

        return {
            "start": text(self.start),
            "transmat": [text(r) for r in self.transmat],
            "means": [text(r) for r in self.means],
            "variances": [text(r) for r in self.variances],
            "center": text(self.center),
            "scale": text(self.scale),
        }
