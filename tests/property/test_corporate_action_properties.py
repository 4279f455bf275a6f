"""Corporate actions keep value: a split leaves marked equity unchanged at the
split-adjusted price, a dividend at the ex-dividend price, and back-adjustment removes
a split's jump while the raw series stays as it was."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.property.test_ledger_properties import SYMBOLS, fills, marks
from tradecore.domain import Fill, Ledger
from tradecore.domain.market.adjustment import Adjustment, adjust_frame
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.entitlements import (
    ActionTerms,
    EntitlementKind,
    apply_terms,
)

NY = ZoneInfo("America/New_York")
FIRST = date(2026, 1, 5)
#: Decimal division is exact to 28 significant digits; a 1-for-3 split is not.
TOLERANCE = Decimal("1e-12")

ratios = st.tuples(st.integers(1, 20), st.integers(1, 20)).filter(
    lambda r: r[0] != r[1]
)


@given(fills, marks, ratios, st.sampled_from(SYMBOLS), st.booleans())
def test_a_split_leaves_marked_equity_unchanged(
    fs: list[Fill],
    mark: dict[str, Decimal],
    ratio: tuple[int, int],
    symbol: str,
    whole: bool,
) -> None:
    """Marked at the prior close before, at prior close / ratio after: same equity.

    With ``whole`` shares the fraction is paid in cash at that same price, so the
    equity is the same too; the average price is divided by the ratio.
    """
    ledger = Ledger.opening(Decimal(10**9)).apply_all(fs)
    r = Decimal(ratio[0]) / Decimal(ratio[1])
    terms = ActionTerms(
        kind=EntitlementKind.SPLIT,
        symbol=symbol,
        ex_date=FIRST,
        ratio=r,
        reference_price=mark[symbol],
        whole_shares=whole,
    )
    after, effect = apply_terms(ledger, terms)
    adjusted = {**mark, symbol: mark[symbol] / r}
    assert abs(after.equity(adjusted) - ledger.equity(mark)) <= TOLERANCE
    assert effect.qty_after + effect.cash_in_lieu_qty == ledger.position(symbol) * r
    if whole:
        assert effect.qty_after == effect.qty_after.to_integral_value()
    before = ledger.holdings.get(symbol)
    if before is not None and before.qty != 0 and effect.cash_in_lieu_qty == 0:
        held = after.holdings[symbol]
        assert abs(held.avg_price - before.avg_price / r) <= TOLERANCE
        assert after.realized_pnl == ledger.realized_pnl


@given(fills, marks, st.sampled_from(SYMBOLS), st.integers(1, 99))
def test_a_dividend_leaves_marked_equity_unchanged_at_the_ex_price(
    fs: list[Fill], mark: dict[str, Decimal], symbol: str, percent: int
) -> None:
    ledger = Ledger.opening(Decimal(10**9)).apply_all(fs)
    cash = (mark[symbol] * percent / 100).quantize(Decimal("0.0001"))
    terms = ActionTerms(
        kind=EntitlementKind.CASH_DIVIDEND, symbol=symbol, ex_date=FIRST, cash=cash
    )
    after, effect = apply_terms(ledger, terms)
    ex_price = {**mark, symbol: mark[symbol] - cash}
    assert after.equity(ex_price) == ledger.equity(mark)
    assert effect.cash == ledger.position(symbol) * cash  # shorts pay
    assert after.realized_pnl - ledger.realized_pnl == effect.cash


def _daily(symbol: str, closes: np.ndarray) -> BarFrame:
    days = [FIRST + timedelta(days=i) for i in range(len(closes))]
    stamps = [to_ns(datetime.combine(d, time(0), tzinfo=NY)) for d in days]
    return BarFrame(
        symbol=symbol,
        timestamps=np.array(stamps, dtype=np.int64),
        open=closes,
        high=closes,
        low=closes,
        close=closes,
        volume=np.full(len(closes), 100.0),
    )


@given(
    st.lists(st.floats(1.0, 1000.0), min_size=2, max_size=60),
    st.data(),
    ratios,
)
def test_back_adjustment_removes_the_split_jump_and_keeps_raw_raw(
    truth: list[float], data: st.DataObject, ratio: tuple[int, int]
) -> None:
    """Raw = the continuous series x (1 / ratio)... before the split: adjusting for
    the split gives the continuous series back; the raw frame is untouched."""
    k = data.draw(st.integers(1, len(truth) - 1))
    r = Decimal(ratio[0]) / Decimal(ratio[1])
    continuous = np.array(truth)
    raw_close = continuous.copy()
    raw_close[:k] *= float(r)  # before a 4-for-1 split the raw price is 4x
    raw = _daily("AAA", raw_close)
    split = CorporateAction.split("AAA", FIRST + timedelta(days=k), *ratio)
    adjusted = adjust_frame(raw, [split], Adjustment.SPLIT)
    np.testing.assert_allclose(adjusted.close, continuous, rtol=1e-12)
    np.testing.assert_allclose(adjusted.volume[:k], 100.0 * float(r), rtol=1e-12)
    assert (adjusted.close[k:] == raw.close[k:]).all()  # on/after: not touched
    np.testing.assert_array_equal(raw.close, raw_close)
