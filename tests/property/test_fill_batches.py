"""The report's fills a batch at a time against one at a time.

The report's pass over a run's fills keeps their exposure columns
(``FillColumns.add_all``) and tallies the summary's statistics
(``FillTally.add_fills``, ``ExposureTrack.add_all``) a batch at a time, from
batches of views checked for time order whole (``view_batches_in_order``). Each
must leave exactly what the per-fill path (``add``, ``add_fill``,
``views_in_order``) leaves, for any fills cut into any batches: quantities and
prices of several spellings of one value, fills out of time order included (the
batch then raises as the per-fill path raises, having counted the same fills).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report.analysis import (
    FillColumns,
    FillsOutOfOrder,
    FillView,
    view_batches_in_order,
    views_in_order,
)
from tradecore.adapters.report.trade_list import collect_trades_and_statistics
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.trades import ExposureTrack, FillTally

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)

_VIEWS = st.lists(
    st.builds(
        FillView,
        symbol=st.sampled_from(["A", "B", "C"]),
        side=st.sampled_from(list(Side)),
        qty=st.sampled_from(["1", "1.0", "2.5", "100", "100.00", "0.001"]).map(Decimal),
        price=st.sampled_from(["0.01", "10", "10.0", "10.00", "499.99", "3.5"]).map(
            Decimal
        ),
        fee=st.sampled_from(["0", "0.35"]).map(Decimal),
        filled_at=st.integers(0, 40).map(lambda m: T0 + timedelta(minutes=m)),
    ),
    max_size=40,
)
_CUTS = st.lists(st.integers(0, 40), max_size=6)


def _batches(views: list[FillView], cuts: list[int]) -> list[list[FillView]]:
    """``views`` cut at ``cuts`` (empty batches included, as a source may give)."""
    edges = [0, *sorted(min(c, len(views)) for c in cuts), len(views)]
    return [views[a:b] for a, b in pairwise(edges)]


def _track_state(track: ExposureTrack) -> tuple[object, ...]:
    positions = {symbol: str(qty) for symbol, qty in track._positions.items()}
    return (
        positions,
        track._open_symbols,
        track._times,
        track._states,
        track._last,
    )


@settings(max_examples=300, deadline=None)
@given(views=_VIEWS, cuts=_CUTS, in_order=st.booleans())
def test_a_tally_of_batches_is_the_tally_of_each_fill(
    views: list[FillView], cuts: list[int], in_order: bool
) -> None:
    if in_order:
        views = sorted(views, key=lambda v: v.filled_at)
    one, batched = FillTally(), FillTally()
    one_error = batch_error = None
    try:
        for view in views:
            one.add_fill(view)
    except InvalidInput as error:
        one_error = error.args
    try:
        for batch in _batches(views, cuts):
            batched.add_fills(batch)
    except InvalidInput as error:
        batch_error = error.args
    assert batch_error == one_error
    assert _track_state(batched._track) == _track_state(one._track)
    assert str(batched._notional) == str(one._notional)
    stamps = [
        (T0 + timedelta(minutes=m) - datetime(1970, 1, 1, tzinfo=UTC))
        // timedelta(microseconds=1)
        * 1_000
        for m in range(0, 45, 3)
    ]
    assert str(batched.statistics(stamps)) == str(one.statistics(stamps))


@settings(max_examples=300, deadline=None)
@given(views=_VIEWS, cuts=_CUTS)
def test_columns_of_batches_are_the_columns_of_each_fill(
    views: list[FillView], cuts: list[int]
) -> None:
    one, batched = FillColumns(), FillColumns()
    for view in views:
        one.add(view)
    for batch in _batches(views, cuts):
        batched.add_all(batch)
    assert list(batched._by_symbol) == list(one._by_symbol)
    for symbol, columns in one._by_symbol.items():
        mine = batched._by_symbol[symbol]
        assert [c.tobytes() for c in mine] == [c.tobytes() for c in columns]


class _Batched:
    """Fill rows that give their own views in batches (as a replay's store)."""

    def __init__(self, batches: list[list[FillView]]) -> None:
        self._batches = batches

    def __iter__(self) -> Iterable[dict[str, object]]:
        return iter([])

    def fill_views(self) -> Iterable[FillView]:
        return [view for batch in self._batches for view in batch]

    def fill_view_batches(self) -> Iterable[list[FillView]]:
        return iter(self._batches)


def _rows(views: list[FillView]) -> list[dict[str, object]]:
    return [view._asdict() for view in views]


@settings(max_examples=300, deadline=None)
@given(views=_VIEWS, cuts=_CUTS, in_order=st.booleans(), stored=st.booleans())
def test_batches_in_order_are_the_views_in_order(
    views: list[FillView], cuts: list[int], in_order: bool, stored: bool
) -> None:
    if in_order:
        views = sorted(views, key=lambda v: v.filled_at)
    fills = _Batched(_batches(views, cuts)) if stored else _rows(views)
    one: list[FillView] = []
    one_error = batch_error = None
    try:
        for view in views_in_order(fills):  # type: ignore[arg-type]
            one.append(view)
    except FillsOutOfOrder as error:
        one_error = error.args
    batched: list[FillView] = []
    try:
        for batch in view_batches_in_order(fills):  # type: ignore[arg-type]
            assert batch
            batched.extend(batch)
    except FillsOutOfOrder as error:
        batch_error = error.args
    assert batch_error == one_error
    if one_error is None:
        assert batched == one == views


@settings(max_examples=200, deadline=None)
@given(views=_VIEWS, cuts=_CUTS, in_order=st.booleans())
def test_the_report_pass_over_batches_is_the_pass_over_rows(
    views: list[FillView], cuts: list[int], in_order: bool
) -> None:
    if in_order:
        views = sorted(views, key=lambda v: v.filled_at)
    stamps = list(range(0, 3_000_000_000_000, 60_000_000_000))
    batched = _Batched(_batches(views, cuts))
    trades, columns, facts = collect_trades_and_statistics(batched, [], stamps)  # type: ignore[arg-type]
    row_trades, row_columns, row_facts = collect_trades_and_statistics(
        _rows(views), [], stamps
    )
    assert str(facts) == str(row_facts)
    assert trades.every == row_trades.every
    assert trades.counts == row_trades.counts
    assert list(columns._by_symbol) == list(row_columns._by_symbol)
    for symbol, mine in columns._by_symbol.items():
        theirs = row_columns._by_symbol[symbol]
        assert [c.tobytes() for c in mine] == [c.tobytes() for c in theirs]
