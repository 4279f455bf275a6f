"""Back-adjusting bars for splits and dividends, point in time (CRSP/Alpaca style)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.adjustment import (
    AdjustedPrices,
    Adjustment,
    adjust_frame,
    ex_date_start_ns,
    explained_jumps,
    new_york_date,
)
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

NY = ZoneInfo("America/New_York")
FIRST = date(2026, 1, 5)


def daily(closes: list[float], symbol: str = "AAA") -> BarFrame:
    days = [FIRST + timedelta(days=i) for i in range(len(closes))]
    stamps = [to_ns(datetime.combine(d, time(0), tzinfo=NY)) for d in days]
    c = np.array(closes)
    return BarFrame(
        symbol=symbol,
        timestamps=np.array(stamps, dtype=np.int64),
        open=c,
        high=c * 1.01,
        low=c * 0.99,
        close=c,
        volume=np.full(len(c), 1000.0),
    )


def day(i: int) -> date:
    return FIRST + timedelta(days=i)


SPLIT = CorporateAction.split("AAA", day(2), 4, 1)
DIVIDEND = CorporateAction.dividend("AAA", day(4), Decimal("1"))


def test_a_split_divides_earlier_prices_and_multiplies_earlier_volume() -> None:
    raw = daily([400, 404, 101, 102, 100, 99])
    adjusted = adjust_frame(raw, [SPLIT], Adjustment.SPLIT)
    assert adjusted.close.tolist() == [100, 101, 101, 102, 100, 99]
    assert adjusted.high[0] == pytest.approx(101.0)
    assert adjusted.volume.tolist() == [4000, 4000, 1000, 1000, 1000, 1000]
    assert raw.close.tolist() == [400, 404, 101, 102, 100, 99]  # raw stays raw


def test_a_dividend_scales_earlier_prices_by_one_minus_dividend_over_prior_close() -> (
    None
):
    raw = daily([400, 404, 101, 100, 99, 99])
    adjusted = adjust_frame(raw, [DIVIDEND], Adjustment.DIVIDEND)
    factor = 1 - 1 / 100  # the raw close of the last bar before the ex-date
    assert adjusted.close[:4].tolist() == pytest.approx(
        [400 * factor, 404 * factor, 101 * factor, 100 * factor]
    )
    assert adjusted.close[4:].tolist() == [99, 99]
    assert adjusted.volume.tolist() == raw.volume.tolist()


def test_all_applies_both_and_the_kinds_select() -> None:
    raw = daily([400, 404, 101, 100, 99, 99])
    both = adjust_frame(raw, [SPLIT, DIVIDEND], Adjustment.ALL)
    assert both.close[0] == pytest.approx(100 * 0.99)
    assert adjust_frame(raw, [SPLIT, DIVIDEND], Adjustment.RAW) is raw
    assert adjust_frame(raw, [DIVIDEND], Adjustment.SPLIT) is raw


def test_point_in_time_only_actions_known_by_as_of_apply() -> None:
    raw = daily([400, 404, 101, 100, 99, 99])
    assert adjust_frame(raw, [SPLIT], Adjustment.ALL, as_of=day(1)) is raw
    assert adjust_frame(raw, [SPLIT], Adjustment.ALL, as_of=day(2)).close[0] == 100
    # Default as_of: the last bar's date; an action after the data is unknown.
    later = CorporateAction.split("AAA", day(30), 2, 1)
    assert adjust_frame(raw, [later], Adjustment.ALL) is raw


def test_a_reverse_split_one_for_three_multiplies_by_exactly_three() -> None:
    raw = daily([1.0, 1.5, 4.5])
    reverse = CorporateAction.split("AAA", day(2), 1, 3)
    assert adjust_frame(raw, [reverse], Adjustment.SPLIT).close.tolist() == [
        3.0,
        4.5,
        4.5,
    ]


def test_other_symbols_renames_and_actions_before_the_data_change_nothing() -> None:
    raw = daily([400, 404, 101])
    rename = CorporateAction(
        symbol="AAA", kind=ActionKind.NAME_CHANGE, ex_date=day(1), new_symbol="BBB"
    )
    before = CorporateAction.split("AAA", day(0), 4, 1)
    other = CorporateAction.split("ZZZ", day(2), 4, 1)
    assert adjust_frame(raw, [rename, before, other], Adjustment.ALL) is raw


def test_a_dividend_not_below_the_prior_close_is_refused() -> None:
    raw = daily([1.0, 1.0, 1.0])
    huge = CorporateAction.dividend("AAA", day(2), Decimal("1"))
    with pytest.raises(InvalidInput, match="prior close"):
        adjust_frame(raw, [huge], Adjustment.DIVIDEND)


def test_the_bar_by_bar_factors_equal_the_adjusted_frame() -> None:
    raw = daily([400, 404, 101, 100, 99, 99])
    adjusted = adjust_frame(raw, [SPLIT, DIVIDEND], Adjustment.ALL)
    prices = AdjustedPrices.of([raw], [SPLIT, DIVIDEND], Adjustment.ALL)
    assert prices
    for i, stamp in enumerate(raw.timestamps.tolist()):
        price, volume = prices.factors("AAA", stamp)
        assert raw.close[i] * price == pytest.approx(adjusted.close[i])
        assert raw.volume[i] * volume == pytest.approx(adjusted.volume[i])
    assert prices.factors("ZZZ", 0) == (1.0, 1.0)
    assert not AdjustedPrices.of([raw], [], Adjustment.ALL)


def test_the_ex_date_starts_at_midnight_new_york() -> None:
    start = ex_date_start_ns(date(2026, 7, 1))  # EDT: 04:00 UTC
    assert start == to_ns(datetime(2026, 7, 1, 4, 0, tzinfo=ZoneInfo("UTC")))
    assert new_york_date(start) == date(2026, 7, 1)
    assert new_york_date(start - 1) == date(2026, 6, 30)


def test_explained_jumps_are_splits_and_dividends_on_their_ex_dates() -> None:
    rename = CorporateAction(
        symbol="AAA", kind=ActionKind.NAME_CHANGE, ex_date=day(1), new_symbol="BBB"
    )
    assert explained_jumps([SPLIT, DIVIDEND, rename]) == {
        ("AAA", day(2)),
        ("AAA", day(4)),
    }


def test_adjustment_names() -> None:
    assert Adjustment.parse("all").splits
    assert Adjustment.parse("all").dividends
    assert not Adjustment.parse("raw").splits
    with pytest.raises(InvalidInput, match="known: raw, split, dividend, all"):
        Adjustment.parse("splits")
