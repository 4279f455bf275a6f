"""The data-quality shortcuts answer as the full checks.

* A replay asks :meth:`BarScreen.admits_in_order` once; when it says yes, the
  engine records each bar's timestamp in :attr:`BarScreen.accepted` instead of
  calling :meth:`BarScreen.admit`. For any frames, any memory the screen already
  has and either staleness setting: when the shortcut is vouched for, ``admit``
  accepts every bar of the frames fed in time order, and the memory it leaves is
  the one the shortcut leaves.
* The bulk screen's volume-spike floor (``window_minima``) is the minimum of each
  sliding window, as ``sliding_window_view(...).min(axis=1)`` gives it.
* The bulk screen's statistical rules read the columns as they are when every row
  is sound, instead of copies of the sound rows: the verdicts on a symbol's rows
  are those it gets with a broken row added (whose rows are then copied).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from tradecore.domain.market.bar_frame import BarFrame, merge_timeline
from tradecore.domain.market.bar_quality import (
    QualityRules,
    Screening,
    screen_bars,
    window_minima,
)
from tradecore.domain.market.data_quality import BarScreen, DataQualityConfig

prices = st.floats(1e-4, 1e9, allow_nan=False, allow_infinity=False)
volumes = st.floats(0.0, 1e12, allow_nan=False, allow_infinity=False)
SYMBOLS = ("AAA", "BBB", "CCC")


@st.composite
def frames(draw: st.DrawFn, symbol: str) -> BarFrame:
    n = draw(st.integers(0, 12))
    gaps = draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    start = draw(st.integers(0, 200))
    close = np.array(draw(st.lists(prices, min_size=n, max_size=n)))
    return BarFrame(
        symbol=symbol,
        timestamps=start + np.cumsum(np.array(gaps, dtype=np.int64)),
        open=close,
        high=close,
        low=close,
        close=close,
        volume=np.array(draw(st.lists(volumes, min_size=n, max_size=n))),
    )


def _screen(memory: dict[str, int], stale: bool) -> BarScreen:
    """A screen that already accepted a bar at ``memory[symbol]`` per symbol."""
    config = DataQualityConfig(max_bar_age=timedelta(seconds=1) if stale else None)
    screen = BarScreen(config)
    for symbol, timestamp_ns in memory.items():
        assert screen.admit(symbol, timestamp_ns, 1.0, 1.0, timestamp_ns) is None
    return screen


@given(
    st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4).flatmap(
        lambda symbols: st.tuples(*(frames(s) for s in symbols))
    ),
    st.dictionaries(st.sampled_from(SYMBOLS), st.integers(-100, 400), max_size=3),
    st.booleans(),
)
def test_vouched_frames_are_all_admitted_and_remembered_alike(
    bars: tuple[BarFrame, ...], memory: dict[str, int], stale: bool
) -> None:
    checked, shortcut = _screen(memory, stale), _screen(memory, stale)
    if not shortcut.admits_in_order(bars):
        return
    assert len({frame.symbol for frame in bars}) == len(bars)
    timeline = merge_timeline(bars)
    for t, f, r in zip(
        timeline.timestamps.tolist(),
        timeline.frame_index.tolist(),
        timeline.row_index.tolist(),
        strict=True,
    ):
        frame = bars[f]
        close, volume = frame.close.item(r), frame.volume.item(r)
        assert checked.admit(frame.symbol, t, close, volume, t) is None
        shortcut.accepted[frame.symbol] = t
    assert checked.accepted == shortcut.accepted


def test_the_shortcut_is_refused_where_a_bar_could_be() -> None:
    one = BarFrame(
        symbol="AAA",
        timestamps=np.array([10, 20], dtype=np.int64),
        open=np.ones(2),
        high=np.ones(2),
        low=np.ones(2),
        close=np.ones(2),
        volume=np.ones(2),
    )
    assert BarScreen().admits_in_order([one])
    assert BarScreen().admits_in_order([])
    assert not BarScreen().admits_in_order([one, one])  # one symbol twice
    assert not _screen({}, stale=True).admits_in_order([one])  # reads the clock
    assert not _screen({"AAA": 10}, stale=False).admits_in_order([one])  # a repeat
    assert _screen({"AAA": 9}, stale=False).admits_in_order([one])


#: Volumes with ties, zeros (both signs) and spikes: what the floor must get right.
spiky_volumes = st.lists(
    st.one_of(st.sampled_from([0.0, -0.0, 1.0, 5.0, 1e9]), volumes), max_size=90
)


@given(spiky_volumes, st.integers(1, 25))
def test_window_minima_are_the_sliding_minima(values: list[float], window: int) -> None:
    array = np.array(values, dtype=np.float64)
    expected = (
        sliding_window_view(array, window).min(axis=1)
        if len(array) >= window
        else np.empty(0)
    )
    assert window_minima(array, window).tolist() == expected.tolist()


def _screen_columns(
    stamps: np.ndarray, close: np.ndarray, volume: np.ndarray, rules: QualityRules
) -> Screening:
    return screen_bars("AAA", stamps, close, close, close, close, volume, rules)


@given(
    st.lists(prices, max_size=60),
    spiky_volumes,
    st.integers(1, 6),
    st.integers(1, 8),
)
def test_sound_columns_get_the_verdicts_of_their_copies(
    closes: list[float], volume_list: list[float], window: int, run: int
) -> None:
    n = len(closes)
    close = np.array(closes, dtype=np.float64)
    volume = np.abs(np.resize(np.array(volume_list or [1.0]), n)).astype(np.float64)
    stamps = 60 * np.arange(1, n + 1, dtype=np.int64)
    rules = QualityRules(jump_window=window, spike_window=window, frozen_run=run)
    whole = _screen_columns(stamps, close, volume, rules)
    # One broken row (no price) after the others: the sound rows are then copied.
    broken = _screen_columns(
        np.append(stamps, stamps[-1] + 60 if n else 60),
        np.append(close, np.nan),
        np.append(volume, 1.0),
        rules,
    )
    assert broken.rows.tolist() == [*whole.rows.tolist(), n]
    assert broken.rules.tolist()[:-1] == whole.rules.tolist()
    assert broken.quarantined.tolist()[:-1] == whole.quarantined.tolist()
