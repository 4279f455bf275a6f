"""A plain market-order spec's text is the kept text of its fields.

``sqlite_rows._spec_text`` keeps the text of each plain market-order spec it
spells (no prices, a plain decimal quantity) by the fields that decide it
(``_MARKET_SPECS``, cleared when full): for any such specs, in any order and
repeated (equal quantities spelled differently too), and however full the
table is, the text equals ``codec.to_json``'s.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.sqlstore import codec, sqlite_rows
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce

SPECS = st.builds(
    OrderSpec,
    symbol=st.sampled_from(["AAPL", "S04", "BRK.B"]),
    side=st.sampled_from(Side),
    order_type=st.just(OrderType.MARKET),
    time_in_force=st.sampled_from([TimeInForce.DAY, TimeInForce.GTC]),
    qty=st.sampled_from(
        [Decimal(100), Decimal("100.0"), Decimal("1E+2"), Decimal("0.5"), Decimal(7)]
    ),
    extended_hours=st.just(False),
)


def _extended(spec: OrderSpec, extended: bool) -> OrderSpec:
    """``spec`` with ``extended_hours`` set past its validator (a market order
    refuses it; the text still spells what is there)."""
    object.__setattr__(spec, "extended_hours", extended)
    return spec


@settings(max_examples=200)
@given(
    specs=st.lists(st.builds(_extended, SPECS, st.booleans()), min_size=1, max_size=8),
    full=st.booleans(),
)
def test_a_market_spec_text_is_the_encoders(specs: list[OrderSpec], full: bool) -> None:
    if full:  # the next new spec empties the table first
        sqlite_rows._MARKET_SPECS.update(
            ((str(n), "buy", "market", "day", False, "1"), "x")
            for n in range(sqlite_rows._STAMPS_KEPT)
        )
    for spec in specs + specs[::-1]:
        assert sqlite_rows._spec_text(spec) == codec.to_json(spec)
    sqlite_rows._MARKET_SPECS.clear()
