"""``fill_statistics`` (one pass over a run's fills) against the separate figures.

A replay's summary reads its traded notional, exposure and round-trip statistics
from one pass over the fills streamed from its store; each must be what the
separate functions give, errors included.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.trades import (
    exposure,
    fill_statistics,
    round_trips,
    trade_statistics,
)

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


@attrs.frozen
class _Fill:
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    fee: Decimal
    filled_at: datetime


_FILLS = st.lists(
    st.builds(
        _Fill,
        symbol=st.sampled_from(["A", "B"]),
        side=st.sampled_from(list(Side)),
        qty=st.integers(1, 300).map(Decimal),
        price=st.decimals("0.01", "500", places=2),
        fee=st.sampled_from([Decimal(0), Decimal("0.35"), Decimal("1.00")]),
        filled_at=st.integers(0, 40).map(lambda m: T0 + timedelta(minutes=m)),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(fills=_FILLS, points=st.integers(0, 50))
def test_fill_statistics_is_the_separate_figures_in_one_pass(
    fills: list[_Fill], points: int
) -> None:
    stamps = [
        int(
            (
                T0 + timedelta(minutes=m) - datetime(1970, 1, 1, tzinfo=UTC)
            ).total_seconds()
        )
        * 1_000_000_000
        for m in range(points)
    ]
    outcome: list[object] = []
    for compute in (
        lambda: (
            sum((f.qty * f.price for f in fills), Decimal(0)),
            exposure(stamps, fills),
            trade_statistics(round_trips(fills)),
        ),
        lambda: (
            (facts := fill_statistics(stamps, iter(fills))).traded_notional,
            facts.exposure,
            facts.trades,
        ),
    ):
        try:
            outcome.append(compute())
        except InvalidInput as e:
            outcome.append(str(e))
    separate, together = outcome
    if isinstance(separate, tuple) and isinstance(together, tuple):
        notional, share, trades = separate
        assert together[0] == notional
        assert str(together[0]) == str(notional)
        assert together[1] == share or (math.isnan(share) and math.isnan(together[1]))
        assert repr(together[2]) == repr(trades)  # NaN ratios compare by spelling
    else:
        assert together == separate
