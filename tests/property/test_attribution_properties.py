"""Attribution adds up: per-strategy totals sum to the account's P&L, whatever the
splits, fills and marks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.portfolio.attribution import Mark, Split, TradeFill, attribute

SYMBOLS = ("AAA", "BBB")
prices = st.floats(1.0, 500.0, allow_nan=False)
marks = st.lists(
    st.builds(Mark, st.integers(0, 20), st.sampled_from(SYMBOLS), prices), min_size=2
)
fills = st.lists(
    st.builds(
        TradeFill,
        st.integers(0, 20),
        st.sampled_from(SYMBOLS),
        st.integers(-50, 50).map(float),
        prices,
        st.floats(0.0, 5.0),
    )
)
shares = st.lists(
    st.tuples(st.sampled_from(("a", "b", "c")), st.integers(-100, 100).map(float)),
    unique_by=lambda x: x[0],
    max_size=3,
).map(tuple)
splits = st.lists(
    st.builds(Split, st.integers(0, 20), st.sampled_from(SYMBOLS), shares)
)


def _account_pnl(marks: list[Mark], fills: list[TradeFill]) -> float:
    """Cash plus positions at the last marks, from nothing (no attribution)."""
    events = sorted(
        [(f.timestamp_ns, 0, i, f) for i, f in enumerate(fills)]
        + [(m.timestamp_ns, 1, i, m) for i, m in enumerate(marks)],
        key=lambda e: e[:3],
    )
    cash, held, last = 0.0, dict.fromkeys(SYMBOLS, 0.0), {}
    for *_, event in events:
        if isinstance(event, Mark):
            last[event.symbol] = event.price
        else:
            cash -= event.qty * event.price + event.fee
            held[event.symbol] += event.qty
            last.setdefault(event.symbol, event.price)
    return cash + sum(q * last.get(s, 0.0) for s, q in held.items())


@settings(max_examples=150, deadline=None)
@given(splits, marks, fills)
def test_attributions_sum_to_the_account_pnl(
    splits: list[Split], marks: list[Mark], fills: list[TradeFill]
) -> None:
    result = attribute(splits, marks, fills)
    expected = _account_pnl(marks, fills)
    scale = 1.0 + sum(abs(f.qty * f.price) for f in fills)
    assert abs(result.total - expected) <= 1e-9 * scale
