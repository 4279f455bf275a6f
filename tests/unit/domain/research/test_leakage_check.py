"""The leakage check's comparison: cut points, the first changed decision, the report."""

from __future__ import annotations

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.leakage_check import (
    DecisionPoint,
    cut_points,
    decision_point,
    first_difference,
    leakage_report,
)

MIN = 60_000_000_000


def point(minute: int, symbol: str, value: str = "target=100") -> DecisionPoint:
    return DecisionPoint(timestamp_ns=minute * MIN, symbol=symbol, value=value)


def test_cuts_are_spread_evenly_over_the_distinct_bar_times() -> None:
    stamps = np.repeat(np.arange(100, dtype=np.int64) * MIN, 3)  # 3 symbols
    cuts = cut_points(stamps, 4)
    assert cuts == tuple(m * MIN for m in (19, 39, 59, 79))
    assert cut_points(stamps, 4) == cuts  # deterministic
    assert max(cut_points(stamps, 200)) < 99 * MIN  # never the last bar


def test_few_bars_give_fewer_distinct_cuts() -> None:
    assert cut_points(np.array([0, MIN, 2 * MIN]), 8) == (0, MIN)


@pytest.mark.parametrize("n", [0, -1, True])
def test_a_bad_cut_count_is_refused(n: int) -> None:
    with pytest.raises(InvalidInput, match="cuts"):
        cut_points(np.arange(10), n)


def test_one_bar_cannot_be_cut() -> None:
    with pytest.raises(InvalidInput, match="at least 2"):
        cut_points(np.array([5, 5]), 1)


def test_identical_prefixes_are_no_leak() -> None:
    full = [point(1, "A"), point(2, "B"), point(9, "A", "target=0")]
    assert first_difference(full, full[:2], 5 * MIN) is None


def test_the_first_change_by_time_then_symbol_is_named() -> None:
    full = [point(1, "A"), point(3, "B", "target=5"), point(3, "A", "target=7")]
    truncated = [point(1, "A"), point(3, "B", "target=6"), point(3, "A", "target=8")]
    leak = first_difference(full, truncated, 3 * MIN)
    assert leak is not None
    assert (leak.timestamp_ns, leak.symbol, leak.what) == (3 * MIN, "A", "decision")
    assert (leak.full, leak.truncated) == ("target=7", "target=8")
    assert leak.cut_ns == 3 * MIN


def test_a_missing_decision_is_a_difference() -> None:
    leak = first_difference([point(2, "A")], [], 2 * MIN)
    assert leak is not None
    assert leak.truncated == "no decision"
    extra = first_difference([], [point(2, "A")], 2 * MIN)
    assert extra is not None
    assert extra.full == "no decision"


def test_decisions_on_the_cut_bar_are_compared_through_the_lag() -> None:
    # The bar at the cut decides one interval later, at its close.
    full = [point(6, "A")]
    assert first_difference(full, [], 5 * MIN) is None
    leak = first_difference(full, [], 5 * MIN, lag_ns=MIN)
    assert leak is not None
    assert leak.timestamp_ns == 6 * MIN


def test_the_report_keeps_the_earliest_leak_of_every_cut() -> None:
    full = [point(2, "A"), point(8, "B")]
    truncated = {
        3 * MIN: [point(2, "A")],
        9 * MIN: [point(2, "A", "target=1"), point(8, "B")],
    }
    report = leakage_report("strategy:x", full, truncated)
    assert not report.passed
    assert report.cuts_ns == (3 * MIN, 9 * MIN)
    assert report.leak is not None
    assert (report.leak.timestamp_ns, report.leak.cut_ns) == (2 * MIN, 9 * MIN)
    assert "A at 1970-01-01T00:02:00+00:00" in report.leak.describe()
    clean = leakage_report("strategy:x", full, {3 * MIN: [point(2, "A")]})
    assert clean.passed
    assert clean.to_dict()["leak"] is None


def test_decision_points_compare_what_was_chosen_not_run_identifiers() -> None:
    a = decision_point(1, "A", "f" * 64, {"target": "100", "client_order_id": "x-1"})
    b = decision_point(1, "A", "f" * 64, {"target": "100", "client_order_id": "y-2"})
    c = decision_point(1, "A", "f" * 64, {"target": "90", "client_order_id": "x-1"})
    assert a.value == b.value
    assert a.value != c.value
    assert "target=100" in a.value
