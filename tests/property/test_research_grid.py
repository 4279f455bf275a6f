"""Grid invariants: ranges hold start..stop (inclusive) on the step, products keep
every combination once, in the order given."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.research.grid import ParameterGrid, combination_key, parse_axis


@given(
    start=st.integers(-1000, 1000),
    count=st.integers(1, 50),
    step=st.integers(1, 100),
    slack=st.integers(0, 99),
)
def test_integer_ranges_are_inclusive_and_even(
    start: int, count: int, step: int, slack: int
) -> None:
    stop = start + (count - 1) * step + min(slack, step - 1)
    values = parse_axis(f"p={start}:{stop}:{step}").values
    assert values == tuple(range(start, stop + 1, step))
    assert len(values) == count


@given(
    axes=st.lists(
        st.lists(st.integers(1, 500), min_size=1, max_size=4, unique=True),
        min_size=1,
        max_size=3,
    )
)
def test_the_product_is_complete_ordered_and_keyed_uniquely(
    axes: list[list[int]],
) -> None:
    specs = [f"p{i}={','.join(map(str, values))}" for i, values in enumerate(axes)]
    grid = ParameterGrid.parse(specs)
    combos = grid.combinations()
    assert [tuple(c.values()) for c in combos] == list(itertools.product(*axes))
    assert len({combination_key(c) for c in combos}) == len(combos) == grid.size
