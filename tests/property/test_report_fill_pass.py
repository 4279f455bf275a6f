"""The report's one pass over a run's fills against the summary's own.

A replay takes its summary's fill statistics (notional, exposure, round-trip
counts and ratios) from the pass that writes trades.csv
(``collect_trades_and_statistics``). They must be what ``fill_statistics`` gives
for the same rows read as fills, for any fills: fees of any spelling of zero
included (the pass reads a zero fee as ``Decimal(0)``), rows out of time order
included (the pass then gives none, and ``fill_statistics`` raises as before).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.trade_list import (
    collect_trades,
    collect_trades_and_statistics,
)
from tradecore.apps.replay.records import FillRecords
from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.trades import FillStatistics, fill_statistics

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "symbol": st.sampled_from(["A", "B"]),
            "side": st.sampled_from(["buy", "sell"]),
            "qty": st.sampled_from(["1", "2.5", "100", "0.001"]).map(Decimal),
            "price": st.decimals("0.01", "500", places=2),
            "fee": st.sampled_from(["0", "0.00", "0E-8", "0.35", "1.00"]).map(Decimal),
            "filled_at": st.integers(0, 40).map(lambda m: T0 + timedelta(minutes=m)),
        }
    ),
    max_size=30,
)


def _same_number(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _assert_same(one_pass: FillStatistics, alone: FillStatistics) -> None:
    assert str(one_pass.traded_notional) == str(alone.traded_notional)
    assert _same_number(one_pass.exposure, alone.exposure)
    mine, theirs = one_pass.trades, alone.trades
    assert (mine.round_trips, mine.wins) == (theirs.round_trips, theirs.wins)
    assert _same_number(mine.win_rate, theirs.win_rate)
    assert _same_number(mine.profit_factor, theirs.profit_factor)
    assert mine.gross_profit == theirs.gross_profit  # as numbers
    assert mine.gross_loss == theirs.gross_loss


@settings(max_examples=300, deadline=None)
@given(rows=_ROWS, points=st.integers(0, 50), in_order=st.booleans())
def test_the_report_pass_gives_the_summarys_fill_statistics(
    rows: list[dict[str, object]], points: int, in_order: bool
) -> None:
    if in_order:
        rows = sorted(rows, key=lambda r: r["filled_at"])  # type: ignore[arg-type,return-value]
    stamps = [
        (T0 + timedelta(minutes=m) - _EPOCH) // timedelta(microseconds=1) * 1_000
        for m in range(points)
    ]
    trades, columns, facts = collect_trades_and_statistics(rows, [], stamps)
    try:
        alone = fill_statistics(stamps, FillRecords(rows))
    except InvalidInput:
        assert facts is None  # out of order: the summary's own path says so
    else:
        assert facts is not None
        _assert_same(facts, alone)
    # The trade list and columns are collect_trades' own, statistics or not.
    plain_trades, plain_columns = collect_trades(rows, [])
    assert trades.every == plain_trades.every
    assert trades.counts == plain_trades.counts
    assert bool(columns) == bool(plain_columns)
