"""Properties: ``SmaCross.on_bar``'s inline spellings decide as the plain ones.

``on_bar`` spells :func:`crossed` inline (no ``math.isnan``, no ``abs``) and builds
a symbol's targets after its first without ``Target``'s validators. Here the
inline rule is fed any pair of averages (NaN and infinities included) and any
side, and every target it returns is compared with the validated one.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.strategies.protocol import Target
from tradecore.domain.strategies.sma_cross import SmaCross, crossed

averages = st.floats(allow_nan=True, allow_infinity=True)
ties = st.floats(-1e6, 1e6).flatmap(
    lambda slow: st.tuples(
        st.sampled_from([slow, slow * (1 + 1e-9), slow * (1 - 1e-9), slow + 1e-12]),
        st.just(slow),
    )
)


def _decide(
    fast: float, slow: float, long: bool, checked: bool
) -> tuple[tuple[Target, ...], bool]:
    """What ``on_bar`` returns when the averages come out ``fast`` and ``slow``,
    and the side it keeps."""
    strategy = SmaCross(2, 3, qty=5)
    strategy.on_bar("AAA", 0, 1.0, 1.0, None)  # type: ignore[arg-type]
    state = strategy._states["AAA"]
    state.update = lambda close: (fast, slow)
    state.long, state.checked = long, checked
    targets = strategy.on_bar("AAA", 17, 1.0, 1.0, None)  # type: ignore[arg-type]
    return tuple(targets), state.long


@given(st.one_of(st.tuples(averages, averages), ties), st.booleans(), st.booleans())
def test_inline_cross_rule_is_crossed(
    pair: tuple[float, float], long: bool, checked: bool
) -> None:
    fast, slow = pair
    side = crossed(fast, slow, long)
    targets, kept = _decide(fast, slow, long, checked)
    if side is None:
        assert targets == ()
        assert kept is long
        return
    assert kept is side
    qty = Decimal(5) if side else Decimal(0)
    expected = Target("AAA", qty, f"{'up' if side else 'down'}@17")
    assert targets == (expected,)
    assert _typed(targets[0]) == _typed(expected)


def _typed(target: Target) -> list[object]:
    """Every field's value and its type (an equal value of another type differs)."""
    return [
        (getattr(target, field.name).__class__, getattr(target, field.name))
        for field in attrs.fields(Target)
    ]
