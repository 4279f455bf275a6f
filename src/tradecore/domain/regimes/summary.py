"""What a regime path looks like: time in each state, how long a spell lasts, and
how often one state follows another (counted on the filtered states, bar to bar)."""

from __future__ import annotations

import attrs
import numpy as np
from numpy.typing import NDArray


@attrs.frozen(slots=True, eq=False)
class RegimeSummary:
    """Per state: bars, share of the labelled bars, spells and their mean length;
    the bar-to-bar transition counts and their row-normalised probabilities."""

    bars: NDArray[np.int64]
    spells: NDArray[np.int64]
    transitions: NDArray[np.int64]

    @property
    def share(self) -> NDArray[np.float64]:
        """Fraction of the labelled bars spent in each state."""
        total = self.bars.sum()
        return self.bars / total if total else np.zeros(len(self.bars))

    @property
    def mean_spell(self) -> NDArray[np.float64]:
        """Mean bars a spell in each state lasts (NaN: never visited)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.spells > 0, self.bars / self.spells, np.nan)

    @property
    def transition_probabilities(self) -> NDArray[np.float64]:
        """Row i: P(next bar's state | this bar's state i) (NaN: i never left)."""
        rows = self.transitions.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(rows > 0, self.transitions / rows, np.nan)


def summarise(states: NDArray[np.int64], n_states: int) -> RegimeSummary:
    """Summarise a state path (``-1``: no reading; such bars are skipped and break
    a spell and a transition)."""
    bars = np.zeros(n_states, dtype=np.int64)
    spells = np.zeros(n_states, dtype=np.int64)
    transitions = np.zeros((n_states, n_states), dtype=np.int64)
    previous = -1
    for state in states.tolist():
        if state >= 0:
            bars[state] += 1
            if previous >= 0:
                transitions[previous, state] += 1
            if state != previous:
                spells[state] += 1
        previous = state
    return RegimeSummary(bars=bars, spells=spells, transitions=transitions)
