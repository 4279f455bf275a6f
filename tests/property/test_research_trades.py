"""Round trips conserve the book: when every position ends flat, the round trips'
P&L adds up to the cash the fills made, fees included (to the last of 28 decimal
digits: fees are shared pro rata), and their quantities to
half the traded quantity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.trades import round_trips

T = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)

orders = st.lists(
    st.tuples(
        st.sampled_from(["AAA", "BBB"]),
        st.integers(-50, 50).filter(bool),
        st.integers(1, 200),
        st.integers(0, 300),
    ),
    max_size=30,
)


@given(orders)
def test_round_trips_conserve_cash_and_quantity(
    trades: list[tuple[str, int, int, int]],
) -> None:
    fills: list[Fill] = []
    positions: dict[str, int] = {}

    def add(symbol: str, qty: int, price: int, fee: int) -> None:
        fills.append(
            Fill(
                execution_id=f"x{len(fills)}",
                client_order_id=f"c{len(fills)}",
                symbol=symbol,
                side=Side.BUY if qty > 0 else Side.SELL,
                qty=Decimal(abs(qty)),
                price=Decimal(price),
                fee=Decimal(fee) / 100,
                filled_at=T + timedelta(seconds=len(fills)),
            )
        )
        positions[symbol] = positions.get(symbol, 0) + qty

    for symbol, qty, price, fee in trades:
        add(symbol, qty, price, fee)
    for symbol, held in sorted(positions.items()):
        if held:
            add(symbol, -held, 100, 7)
    cash = sum(
        (-f.side.sign * f.qty * f.price - f.fee for f in fills), start=Decimal(0)
    )
    trips = list(round_trips(fills))
    # Exact but for the 28-digit decimal context of pro-rata fee shares.
    pnl = sum((t.pnl for t in trips), start=Decimal(0))
    assert abs(pnl - cash) < Decimal("1e-18")
    assert sum(t.qty for t in trips) * 2 == sum(f.qty for f in fills)
    assert all(t.opened_at <= t.closed_at for t in trips)
