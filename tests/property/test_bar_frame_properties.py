"""Properties of bar frames: the merged timeline, and exact file round trips."""

from __future__ import annotations

import itertools
import tempfile
from datetime import timedelta

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.adapters.data import load_bar_files, write_bar_files
from tradecore.domain.errors import BarFileError
from tradecore.domain.market.bar_frame import (
    BarFrame,
    data_fingerprint,
    from_ns,
    merge_timeline,
    timeline_chunks,
)
from tradecore.domain.market.bars import Bar

prices = st.floats(1e-4, 1e9, allow_nan=False, allow_infinity=False)
volumes = st.floats(0.0, 1e12, allow_nan=False, allow_infinity=False)


@st.composite
def frames(draw: st.DrawFn, symbol: str) -> BarFrame:
    n = draw(st.integers(0, 30))
    gaps = draw(st.lists(st.integers(1, 10**12), min_size=n, max_size=n))
    start = draw(st.integers(0, 2 * 10**18))
    bodies = draw(st.lists(st.tuples(prices, prices), min_size=n, max_size=n))
    wicks = draw(st.lists(st.tuples(prices, prices), min_size=n, max_size=n))
    open_ = np.array([b[0] for b in bodies], dtype=np.float64)
    close = np.array([b[1] for b in bodies], dtype=np.float64)
    return BarFrame(
        symbol=symbol,
        timestamps=start + np.cumsum(np.array(gaps, dtype=np.int64)),
        open=open_,
        close=close,
        high=np.maximum(open_, close) + np.array([w[0] for w in wicks]),
        low=np.minimum(open_, close) * np.array([min(w[1], 1.0) for w in wicks]),
        volume=np.array(draw(st.lists(volumes, min_size=n, max_size=n))),
    )


symbol_sets = st.lists(
    st.from_regex(r"[A-Z]{1,4}", fullmatch=True), min_size=1, max_size=4, unique=True
)


@given(symbol_sets.flatmap(lambda s: st.tuples(*(frames(x) for x in s))))
def test_timeline_is_a_time_then_symbol_ordered_permutation(
    bars: tuple[BarFrame, ...],
) -> None:
    timeline = merge_timeline(bars)
    keys = [
        (int(t), bars[f].symbol, int(r))
        for t, f, r in zip(
            timeline.timestamps, timeline.frame_index, timeline.row_index, strict=True
        )
    ]
    assert keys == sorted(keys)
    everything = {(b.symbol, i) for b in bars for i in range(len(b))}
    assert {(s, r) for _, s, r in keys} == everything
    assert len(keys) == len(everything)
    for t, f, r in zip(
        timeline.timestamps, timeline.frame_index, timeline.row_index, strict=True
    ):
        assert bars[f].timestamps[r] == t


@given(symbol_sets.flatmap(lambda s: st.tuples(*(frames(x) for x in s))),
       st.sampled_from(["csv", "parquet"]))  # fmt: skip
def test_files_round_trip_exactly(bars: tuple[BarFrame, ...], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_bar_files(folder, bars, fmt=fmt)  # type: ignore[arg-type]
        if not any(len(frame) for frame in bars):  # nothing to trade: refused
            with pytest.raises(BarFileError, match="holds no bars"):
                load_bar_files(folder)
            return
        loaded = load_bar_files(folder)
    assert data_fingerprint(loaded) == data_fingerprint(bars)


@given(frames("AAPL"))
def test_a_row_is_the_bar_the_validating_constructor_builds(frame: BarFrame) -> None:
    # BarFrame.bar skips Bar's validators (the frame checked its columns): every row
    # must still be a bar those validators accept, equal field for field.
    for i in range(len(frame)):
        fast = frame.bar(i)
        checked = Bar(**{f.name: getattr(fast, f.name) for f in attrs.fields(Bar)})
        assert fast == checked
        assert type(fast.open) is float


@given(
    symbol_sets.flatmap(lambda s: st.tuples(*(frames(x) for x in s))),
    st.integers(min_value=0, max_value=12),
)
def test_timeline_chunks_join_into_the_whole_timeline(
    bars: tuple[BarFrame, ...], extra: int
) -> None:
    whole = merge_timeline(bars)
    chunks = list(timeline_chunks(bars, chunk_rows=len(bars) + extra))
    assert all(len(c) <= len(bars) + extra for c in chunks)
    for name in ("timestamps", "frame_index", "row_index"):
        joined = [getattr(c, name) for c in chunks] or [np.empty(0, np.int64)]
        assert np.concatenate(joined).tolist() == getattr(whole, name).tolist()
    # a chunk never splits one timestamp's bars
    for before, after in itertools.pairwise(chunks):
        assert before.timestamps[-1] < after.timestamps[0]


@given(
    st.integers(0, 2 * 10**18),
    st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)),
)
def test_a_bar_end_is_its_open_plus_the_interval(
    start_ns: int, interval: timedelta
) -> None:
    # The replay loop takes a bar's end as its open's datetime plus the interval
    # (no conversion per timestamp): the datetime from_ns gives for the end's
    # nanoseconds, with the interval counted exactly in whole microseconds.
    interval_ns = interval // timedelta(microseconds=1) * 1000
    assert from_ns(start_ns) + interval == from_ns(start_ns + interval_ns)


@given(symbol_sets.flatmap(lambda s: st.tuples(*(frames(x) for x in s))))
def test_row_at_is_the_current_row_a_walk_of_the_timeline_keeps(
    bars: tuple[BarFrame, ...],
) -> None:
    # The replay loop kept each symbol's latest row in a dict, updated at every
    # timestamp; it now asks row_at for the one symbol an order needs. Before the
    # first timestamp and after each one's rows, the two agree for every symbol
    # (None where the dict has no entry).
    whole = merge_timeline(bars)
    stamps = whole.timestamps.tolist()
    current: dict[str, int] = {}
    if stamps:
        for frame in bars:
            assert frame.row_at(stamps[0] - 1) is None
    for i, (t, f, r) in enumerate(
        zip(stamps, whole.frame_index.tolist(), whole.row_index.tolist(), strict=True)
    ):
        current[bars[f].symbol] = r
        if i + 1 == len(stamps) or stamps[i + 1] != t:  # the timestamp's last row
            for frame in bars:
                assert frame.row_at(t) == current.get(frame.symbol)
