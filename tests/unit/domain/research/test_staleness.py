"""Model staleness: age from training_end, rolling hit rate against the card's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.staleness import (
    ResolvedCalls,
    StalenessRule,
    hit_rate_tolerance,
    judge_staleness,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_older_than_max_age_is_stale() -> None:
    rule = StalenessRule(max_age_days=30)
    young = judge_staleness(
        rule,
        now=NOW,
        training_end=NOW - timedelta(days=29),
        oos_hit_rate=None,
        resolved=[],
    )
    old = judge_staleness(
        rule,
        now=NOW,
        training_end=NOW - timedelta(days=31),
        oos_hit_rate=None,
        resolved=[],
    )
    assert not young.stale
    assert young.age_days == pytest.approx(29)
    assert old.stale
    assert "31.0 days old" in old.reasons[0]


def test_hit_rate_below_card_minus_tolerance_is_stale() -> None:
    rule = StalenessRule(window=10, tolerance=0.1)
    at_limit = judge_staleness(  # 0.5 == 0.6 - 0.1: not below
        rule, now=NOW, training_end=None, oos_hit_rate=0.6, resolved=[True, False] * 5
    )
    below = judge_staleness(
        rule,
        now=NOW,
        training_end=None,
        oos_hit_rate=0.6,
        resolved=[True] * 4 + [False] * 6,
    )
    assert not at_limit.stale
    assert at_limit.rolling_hit_rate == pytest.approx(0.5)
    assert below.stale
    assert "hit rate 0.400 over the last 10" in below.reasons[0]


def test_only_the_last_window_counts_and_short_windows_are_not_judged() -> None:
    rule = StalenessRule(window=4, tolerance=0.05)
    recovered = judge_staleness(
        rule,
        now=NOW,
        training_end=None,
        oos_hit_rate=0.6,
        resolved=[False] * 50 + [True] * 4,
    )
    too_few = judge_staleness(
        rule, now=NOW, training_end=None, oos_hit_rate=0.6, resolved=[False] * 3
    )
    assert not recovered.stale
    assert recovered.resolved == 4
    assert not too_few.stale
    assert too_few.rolling_hit_rate == 0.0


def test_both_signs_are_reported() -> None:
    rule = StalenessRule(max_age_days=1, window=2, tolerance=0.0)
    verdict = judge_staleness(
        rule,
        now=NOW,
        training_end=NOW - timedelta(days=2),
        oos_hit_rate=0.6,
        resolved=[False, False],
    )
    assert verdict.stale
    assert len(verdict.reasons) == 2


def test_bad_rules_and_times_are_refused() -> None:
    with pytest.raises(InvalidInput):
        StalenessRule(window=0)
    with pytest.raises(InvalidInput):
        StalenessRule(tolerance=1.5)
    with pytest.raises(InvalidInput):
        StalenessRule(max_age_days=-1)
    with pytest.raises(InvalidInput):
        judge_staleness(
            StalenessRule(),
            now=datetime(2024, 1, 1),
            training_end=None,
            oos_hit_rate=None,
            resolved=[],
        )


def test_tolerance_is_two_binomial_standard_errors() -> None:
    assert hit_rate_tolerance(0.55, 100) == pytest.approx(2 * 0.0497494, rel=1e-5)


@given(
    st.lists(st.booleans(), max_size=60),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.integers(1, 30),
)
def test_stale_by_rate_exactly_when_the_window_is_full_and_low(
    resolved: list[bool], card: float, tolerance: float, window: int
) -> None:
    rule = StalenessRule(window=window, tolerance=tolerance)
    verdict = judge_staleness(
        rule, now=NOW, training_end=None, oos_hit_rate=card, resolved=resolved
    )
    last = resolved[-window:]
    expected = len(last) == window and sum(last) / window < card - tolerance
    assert verdict.stale == expected


def test_calls_resolve_after_the_horizon() -> None:
    calls = ResolvedCalls(horizon=2, keep=10)
    calls.call("AAA", 0.9)  # before any close: nothing to compare with
    calls.on_close("AAA", 100.0)
    calls.call("AAA", 0.9)  # up from 100
    calls.on_close("BBB", 50.0)
    calls.call("BBB", 0.2)  # down from 50
    calls.on_close("AAA", 99.0)
    assert list(calls.outcomes) == []  # one bar: not due
    calls.on_close("AAA", 101.0)
    calls.on_close("BBB", 50.0)
    calls.on_close("BBB", 50.0)  # flat: "not up", so the down call was right
    assert list(calls.outcomes) == [True, True]


def test_only_the_last_outcomes_are_kept() -> None:
    calls = ResolvedCalls(horizon=1, keep=2)
    for close in (1.0, 2.0, 3.0, 2.0):
        calls.on_close("A", close)
        calls.call("A", 0.9)
    assert list(calls.outcomes) == [True, False]
    with pytest.raises(InvalidInput):
        ResolvedCalls(horizon=0, keep=1)
