"""Ledger invariants for any fill sequence: conservation and determinism."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import T0
from tradecore.domain import Fill, Ledger, Side

SYMBOLS = ["AAPL", "MSFT", "SPY"]

fills = st.lists(
    st.builds(
        lambda n, sym, side, qty, cents, fee_cents: Fill(
            execution_id=f"e{n}",
            client_order_id="c",
            symbol=sym,
            side=side,
            qty=Decimal(qty),
            price=Decimal(cents) / 100,
            fee=Decimal(fee_cents) / 100,
            filled_at=T0,
        ),
        st.integers(0, 10**6),
        st.sampled_from(SYMBOLS),
        st.sampled_from(list(Side)),
        st.integers(1, 5000),
        st.integers(100, 1_000_000),
        st.integers(0, 500),
    ),
    max_size=40,
)
marks = st.fixed_dictionaries(
    {s: st.integers(100, 1_000_000).map(lambda c: Decimal(c) / 100) for s in SYMBOLS}
)


@given(fills, marks, st.integers(0, 10**9))
def test_value_is_conserved(
    fs: list[Fill], mark: dict[str, Decimal], cash: int
) -> None:
    """Equity changes only by realized + unrealized P&L (fees already in realized)."""
    start = Decimal(cash)
    ledger = Ledger.opening(start).apply_all(fs)
    assert ledger.equity(mark) - start == ledger.realized_pnl + ledger.unrealized_pnl(
        mark
    )
    assert ledger.fees == sum((f.fee for f in fs), Decimal(0))
    net = {
        s: sum((f.signed_qty for f in fs if f.symbol == s), Decimal(0)) for s in SYMBOLS
    }
    assert {s: ledger.position(s) for s in SYMBOLS} == net


@given(fills)
def test_per_symbol_realized_pnl_adds_up(fs: list[Fill]) -> None:
    ledger = Ledger.opening(Decimal(0)).apply_all(fs)
    total = sum((h.realized_pnl for h in ledger.holdings.values()), Decimal(0))
    assert total == ledger.realized_pnl


@given(fills)
def test_replaying_the_same_fills_gives_the_same_ledger(fs: list[Fill]) -> None:
    assert Ledger.opening(Decimal(0)).apply_all(fs) == Ledger.opening(
        Decimal(0)
    ).apply_all(fs)


@given(fills)
def test_a_flat_book_has_realized_exactly_its_cash_change(fs: list[Fill]) -> None:
    closing = [
        Fill(
            execution_id=f"close-{s}",
            client_order_id="c",
            symbol=s,
            side=Side.SELL if qty > 0 else Side.BUY,
            qty=abs(qty),
            price=Decimal("123.45"),
            filled_at=T0,
        )
        for s in SYMBOLS
        if (qty := Ledger.opening(Decimal(0)).apply_all(fs).position(s)) != 0
    ]
    ledger = Ledger.opening(Decimal(0)).apply_all([*fs, *closing])
    assert ledger.positions() == []
    assert ledger.cash == ledger.realized_pnl
