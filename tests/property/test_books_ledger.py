"""Tax lots and the average-cost ledger reconcile for any fill sequence.

Both books see the same fills, so they hold the same positions and the same cash:
``ledger.realized - ledger open basis == lots' realized before wash sales - lots'
open cost``. The wash rule only moves losses in time: Form 8949 gains over closed
lots equal the pre-wash realized plus the disallowed losses still deferred in open
lots; flat, the lots' total gain is the ledger's realized P&L.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.books.relief import ReliefMethod
from tradecore.domain.books.tax_lots import compute_books
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import Side

SYMBOLS = ["AAPL", "MSFT"]
START = datetime(2024, 11, 1, 15, tzinfo=UTC)

steps = st.lists(
    st.tuples(
        st.integers(0, 12),  # days after the previous fill
        st.sampled_from(SYMBOLS),
        st.sampled_from(list(Side)),
        st.integers(1, 300),
        st.integers(500, 20_000),  # price in cents
        st.integers(0, 300),  # fee in cents
    ),
    max_size=30,
)


def _fills(raw: list[tuple[int, str, Side, int, int, int]]) -> list[Fill]:
    at, out = START, []
    for n, (days, symbol, side, qty, cents, fee) in enumerate(raw):
        at += timedelta(days=days)
        out.append(
            Fill(
                execution_id=f"e{n}",
                client_order_id=f"c{n}",
                symbol=symbol,
                side=side,
                qty=Decimal(qty),
                price=Decimal(cents) / 100,
                fee=Decimal(fee) / 100,
                filled_at=at,
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(steps, st.sampled_from(list(ReliefMethod)))
def test_lots_and_ledger_hold_the_same_positions_and_cash(
    raw: list[tuple[int, str, Side, int, int, int]], method: ReliefMethod
) -> None:
    fills = _fills(raw)
    ledger = Ledger.opening(Decimal(0)).apply_all(fills)
    books = compute_books(fills, method=method)
    assert books.positions() == {p.symbol: p.qty for p in ledger.positions()}
    ledger_open = sum((h.cost_basis for h in ledger.holdings.values()), Decimal(0))
    economic = sum((c.economic_gain for c in books.closed), Decimal(0))
    assert ledger.cash == ledger.realized_pnl - ledger_open
    assert ledger.cash == economic - books.open_cost()
    assert books.realized() == economic + books.deferred_wash()
    if not books.open_lots:
        assert books.realized() == ledger.realized_pnl
    for wash in books.wash_sales:
        assert wash.disallowed > 0
