"""Property: ``SmaCross`` decides as two plain SMAs and :func:`crossed` do, bar by bar.

The strategy keeps a symbol's closes while its slow window fills and then updates
both averages from one ring buffer; neither may change a single decision. Prices
on a cent grid make ties of the two averages common, so the tie rule is exercised.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.market.indicators import SMA
from tradecore.domain.strategies.sma_cross import SmaCross, crossed


def _reference(closes: list[float], fast: int, slow: int) -> list[bool | None]:
    """The side each bar flips to (``None``: no flip), the rule written plainly."""
    one, other, long, sides = SMA(fast), SMA(slow), False, []
    for close in closes:
        side = crossed(one.update(close), other.update(close), long)
        if side is not None:
            long = side
        sides.append(side)
    return sides


@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 900),
    st.integers(1, 30),
    st.integers(1, 300),
    st.sampled_from([0.01, 0.05, 1.0]),
)
def test_sma_cross_flips_where_the_plain_rule_flips(
    seed: int, n: int, fast: int, extra: int, tick: float
) -> None:
    slow = fast + extra
    rng = np.random.default_rng(seed)
    closes = (np.round(100 + np.cumsum(rng.integers(-2, 3, n)) * tick, 2)).tolist()
    strategy = SmaCross(fast, slow, qty=7)
    got = []
    for i, close in enumerate(closes):
        targets = strategy.on_bar("AAA", i, close, 1.0, None)  # type: ignore[arg-type]
        got.append(None if not targets else targets[0].qty == 7)
    assert got == _reference(closes, fast, slow)
