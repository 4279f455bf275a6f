"""A seeded generator made on first draw gives default_rng(seed)'s draws (issue 18)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.seeded import SeededGenerator, generator_of
from tradecore.domain.venue.fill_models import LatencyConfig


@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    draws=st.lists(st.sampled_from(["random", "exponential", "uniform"]), max_size=8),
)
def test_a_seeded_generator_draws_what_default_rng_draws(
    seed: int, draws: list[str]
) -> None:
    lazy = SeededGenerator(seed)
    eager = np.random.default_rng(seed)
    for name in draws:  # every call continues the same stream
        assert getattr(lazy(), name)() == getattr(eager, name)()
    assert lazy() is lazy()


@given(seed=st.integers(min_value=0, max_value=2**32), tail=st.floats(0.0, 5.0))
def test_latency_draws_are_the_same_from_a_seeded_generator(
    seed: int, tail: float
) -> None:
    config = LatencyConfig(ack_tail_s=tail, fill_tail_s=tail / 2, cancel_tail_s=tail)
    lazy, eager = SeededGenerator(seed), np.random.default_rng(seed)
    for _ in range(3):
        assert config.ack(lazy) == config.ack(eager)
        assert config.first_fill(lazy) == config.first_fill(eager)
        assert config.cancel(lazy) == config.cancel(eager)


def test_no_tail_makes_no_generator() -> None:
    lazy = SeededGenerator(3)
    assert LatencyConfig(ack_tail_s=0, fill_tail_s=0).ack(lazy) == 0.02
    assert lazy._generator is None  # the ideal model never draws
    assert generator_of(lazy) is lazy()
