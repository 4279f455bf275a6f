"""Actions become weights that meet the constraints, whatever the action."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.apps.research.rl_spaces import ActionSpace, action_weights
from tradecore.domain.portfolio.constraints import within_caps
from tradecore.domain.portfolio.inputs import Constraints

fractions = st.floats(min_value=0.01, max_value=1.0)


@st.composite
def spaces(draw: st.DrawFn) -> ActionSpace:
    net_max = draw(st.none() | st.floats(min_value=0.0, max_value=1.0))
    net_min = draw(st.none() | st.floats(min_value=-1.0, max_value=0.0))
    return ActionSpace(
        constraints=Constraints(
            gross_target=draw(fractions),
            name_cap=draw(st.none() | fractions),
            net_max=net_max,
            net_min=net_min,
        ),
        long_only=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(
    space=spaces(),
    action=st.lists(
        st.floats(min_value=-3.0, max_value=3.0, allow_nan=False),
        min_size=1,
        max_size=8,
    ),
)
def test_weights_meet_gross_net_and_name_caps(
    space: ActionSpace, action: list[float]
) -> None:
    weights = action_weights(np.array(action), space)
    symbols = tuple(f"S{i}" for i in range(len(action)))
    assert within_caps(weights, space.constraints, symbols, {})
    if space.long_only:
        assert (weights >= 0).all()


@settings(max_examples=200, deadline=None)
@given(
    action=st.lists(st.floats(min_value=-1.0, max_value=1.0), min_size=2, max_size=6),
    limit=st.floats(min_value=0.01, max_value=1.0),
)
def test_turnover_limit_bounds_the_move(action: list[float], limit: float) -> None:
    space = ActionSpace(constraints=Constraints(turnover_limit=limit))
    current = np.zeros(len(action))
    weights = action_weights(np.array(action), space, current)
    assert float(np.abs(weights - current).sum()) <= limit + 1e-9


def test_the_space_round_trips_through_its_record() -> None:
    space = ActionSpace(
        constraints=Constraints(gross_target=0.5, name_cap=0.2, net_min=-0.1),
        long_only=True,
    )
    assert ActionSpace.from_dict(space.to_dict()) == space
