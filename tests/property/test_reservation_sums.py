"""A side's reservation sums added and subtracted as they are equal the signed sums.

``_Side.add`` and ``_Side.remove`` (``domain/venue/buying_power.py``) add and
subtract an order's quantity and notional instead of multiplying them by a sign
of +1 or -1 first. Here random orders (odd prices, zero, fractional and huge
quantities, orders counted at the last trade, excess sums counted at a closable
quantity or not) are added and removed in random order, and every sum is the
signed computation's digit for digit: same value, exponent and sign (``str``).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.orders.money import ZERO
from tradecore.domain.venue.buying_power import _Side

quantities = st.sampled_from(["0", "1", "0.5", "100", "250.000", "1E+3", "0.001"])
prices = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**9), places=4),
    st.sampled_from([Decimal("101.75"), Decimal("1E+2"), Decimal("0.01")]),
)
closables = st.one_of(st.none(), st.sampled_from(["0", "50", "100.5", "1E+3"]))


class _Signed:
    """The sums as they were kept: each addend multiplied by a sign of +/-1."""

    def __init__(self, excess_at: Decimal | None) -> None:
        self.excess_at = excess_at
        self.notional = self.market_qty = ZERO
        self.excess_notional = self.excess_market_qty = ZERO

    def adjust(self, qty: Decimal, price: Decimal | None, sign: int) -> None:
        excess = ZERO if self.excess_at is None else max(qty - self.excess_at, ZERO)
        if price is None:
            self.market_qty += sign * qty
            self.excess_market_qty += sign * excess
        else:
            self.notional += sign * qty * price
            self.excess_notional += sign * excess * price


@given(
    orders=st.lists(st.tuples(quantities, prices), max_size=12),
    closable=closables,
    removals=st.lists(st.integers(0, 11), max_size=12),
)
def test_sums_added_and_subtracted_are_the_signed_sums(
    orders: list[tuple[str, Decimal | None]],
    closable: str | None,
    removals: list[int],
) -> None:
    excess_at = None if closable is None else Decimal(closable)
    side = _Side(excess_at=excess_at)
    signed = _Signed(excess_at)
    for n, (qty, price) in enumerate(orders):
        side.add(str(n), Decimal(qty), price)
        signed.adjust(Decimal(qty), price, 1)
    for n in removals:
        if str(n) in side.members:
            qty_n, price_n = side.members[str(n)]
            side.remove(str(n))
            signed.adjust(qty_n, price_n, -1)
    got = (side.notional, side.market_qty, side.excess_notional, side.excess_market_qty)
    want = (
        signed.notional,
        signed.market_qty,
        signed.excess_notional,
        signed.excess_market_qty,
    )
    assert [str(x) for x in got] == [str(x) for x in want]
