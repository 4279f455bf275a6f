"""Regime summaries: bars, spells, transition counts of a state path."""

from __future__ import annotations

import numpy as np

from tradecore.domain.regimes.summary import summarise


def test_a_path_is_counted_spell_by_spell() -> None:
    path = np.array([-1, 0, 0, 1, 1, 1, 0, -1, 0, 1])
    s = summarise(path, 2)
    assert s.bars.tolist() == [4, 4]
    assert s.spells.tolist() == [3, 2]  # the gap at -1 ends a spell
    assert s.transitions.tolist() == [[1, 2], [1, 2]]
    np.testing.assert_allclose(s.mean_spell, [4 / 3, 2.0])
    np.testing.assert_allclose(s.share, [0.5, 0.5])
    np.testing.assert_allclose(
        s.transition_probabilities, [[1 / 3, 2 / 3], [1 / 3, 2 / 3]]
    )


def test_an_unvisited_state_has_no_spell_length() -> None:
    s = summarise(np.array([0, 0, 0]), 3)
    assert np.isnan(s.mean_spell[1])
    assert np.isnan(s.transition_probabilities[2]).all()
