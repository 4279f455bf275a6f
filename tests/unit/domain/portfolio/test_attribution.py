"""Per-strategy attribution: hand-checked splits; the correlation monitor."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.portfolio.attribution import (
    UNATTRIBUTED,
    Mark,
    Rereadable,
    Split,
    TradeFill,
    attribute,
)
from tradecore.domain.portfolio.correlation import CorrelationMonitor


def test_market_moves_follow_the_holding_split_and_costs_the_trades() -> None:
    splits = [
        Split(0, "AAA", (("a", 60.0), ("b", 40.0))),
        # b leaves: the 40-share sale is b's trade, so its costs are b's
        Split(2, "AAA", (("a", 60.0),)),
    ]
    marks = [Mark(0, "AAA", 10.0), Mark(1, "AAA", 11.0), Mark(2, "AAA", 12.0)]
    fills = [
        TradeFill(1, "AAA", 100.0, 10.5, 2.0),  # cost: 100*(10.5-10) + 2 = 52
        TradeFill(3, "AAA", -40.0, 11.5, 1.0),  # cost: -40*(11.5-12) + 1 = 21
    ]
    result = attribute(splits, marks, fills)
    # the fill at t=1 comes before t=1's mark: 100 shares * (11-10) + (12-11)
    assert dict(result.market) == {"a": pytest.approx(120.0), "b": pytest.approx(80.0)}
    assert dict(result.costs) == {
        "a": pytest.approx(31.2),
        "b": pytest.approx(20.8 + 21),
    }
    cash = -(100 * 10.5 + 2) + (40 * 11.5 - 1)
    assert result.total == pytest.approx(cash + 60 * 12.0)  # = 127


def test_a_position_being_unwound_belongs_to_those_who_built_it() -> None:
    splits = [Split(0, "AAA", (("a", 10.0),)), Split(1, "AAA", ())]
    marks = [Mark(0, "AAA", 10.0), Mark(1, "AAA", 11.0), Mark(2, "AAA", 9.0)]
    fills = [TradeFill(1, "AAA", 10.0, 10.0, 0.0)]
    result = attribute(splits, marks, fills)
    # the sale has not filled by t=2: a still owns the 10 shares' move
    assert result.totals == {"a": pytest.approx(10 * (11 - 10) + 10 * (9 - 11))}


def test_a_fill_no_allocation_explains_is_unattributed() -> None:
    result = attribute([], [Mark(0, "AAA", 10.0)], [TradeFill(1, "AAA", 1, 10, 1)])
    assert result.totals == {UNATTRIBUTED: -1.0}


def test_the_monitor_reports_a_breach_once_per_episode() -> None:
    monitor = CorrelationMonitor(["b", "a"], cap=0.8, window=4)
    rng = np.random.default_rng(0)
    same = rng.normal(0, 0.01, 12)
    for t, r in enumerate(same[:6]):
        monitor.observe(t, {"a": r, "b": r})
    assert [(x.first, x.second, x.timestamp_ns) for x in monitor.breaches] == [
        ("a", "b", 3)
    ]
    for t in range(6, 10):  # b goes the other way: the episode ends
        monitor.observe(t, {"a": same[t], "b": -same[t]})
    for t in range(10, 14):  # and a new one starts
        monitor.observe(t, {"a": same[t % 12], "b": same[t % 12]})
    assert len(monitor.breaches) == 2


def test_a_flat_stream_has_no_correlation_and_no_cap_records_nothing() -> None:
    monitor = CorrelationMonitor(["a", "b"], cap=0.5, window=3)
    for t in range(5):
        monitor.observe(t, {"a": 0.01 * t, "b": 0.0})
    assert monitor.breaches == []
    quiet = CorrelationMonitor(["a", "b"], cap=None, window=3)
    for t in range(5):
        quiet.observe(t, {"a": 0.01 * t, "b": 0.01 * t})
    assert quiet.breaches == []
    assert len(quiet.history()["a"]) == 3
    with pytest.raises(InvalidInput, match="correlation_alert"):
        CorrelationMonitor(["a"], cap=1.0, window=3)


def _random_events(seed: int) -> tuple[list[Split], list[Mark], list[TradeFill]]:
    rng = np.random.default_rng(seed)
    splits = [
        Split(int(t), "AAA", (("a", float(rng.integers(0, 50))), ("b", 10.0)))
        for t in sorted(rng.integers(0, 60, 8))
    ]
    marks = [
        Mark(t, s, float(rng.uniform(9, 11))) for t in range(60) for s in ("AAA", "BBB")
    ]
    fills = [
        TradeFill(int(t), str(rng.choice(["AAA", "BBB"])), float(rng.integers(-9, 10)),
                  float(rng.uniform(9, 11)), 0.5)
        for t in sorted(rng.integers(0, 60, 30))
    ]  # fmt: skip
    return splits, marks, fills


class _Counted(Rereadable[TradeFill]):
    def __init__(self, items: list[TradeFill]) -> None:
        super().__init__(lambda: iter(items))
        self.reads = 0

    def __iter__(self) -> Iterator[TradeFill]:
        self.reads += 1
        return super().__iter__()


@pytest.mark.parametrize("seed", range(5))
def test_inputs_in_time_order_are_streamed_once_with_the_sorted_result(
    seed: int,
) -> None:
    splits, marks, fills = _random_events(seed)
    counted = _Counted(fills)
    streamed = attribute(iter(splits), Rereadable(lambda: iter(marks)), counted)
    assert counted.reads == 1  # merged as it came, no second pass
    assert streamed == attribute(splits, marks, fills)
    # Out of time order: read again and sorted, which keeps equal times in input
    # order (so the reversed fills' equal-time pairs stay swapped).
    shuffled = list(reversed(fills))
    by_time = sorted(shuffled, key=lambda f: f.timestamp_ns)
    assert attribute(splits, marks, _Counted(shuffled)) == attribute(
        splits, marks, by_time
    )
