"""The data-quality gate's rules, each at, just inside and just outside its edge."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.data_quality import BarFault, BarScreen, DataQualityConfig

S = 1_000_000_000  # one second in ns
T = 1_767_620_000 * S


def fault_of(screen: BarScreen, *args: object, **kw: object) -> BarFault | None:
    rejection = screen.admit(*args, **kw)  # type: ignore[arg-type]
    return None if rejection is None else rejection.fault


@pytest.mark.parametrize(
    ("close", "expected"),
    [
        (math.nan, BarFault.NON_FINITE_CLOSE),
        (math.inf, BarFault.NON_FINITE_CLOSE),
        (-math.inf, BarFault.NON_FINITE_CLOSE),
        (0.0, BarFault.NON_POSITIVE_CLOSE),
        (-0.01, BarFault.NON_POSITIVE_CLOSE),
        (5e-324, None),  # the smallest positive float is a price
        (100.0, None),
    ],
)
def test_close_must_be_finite_and_positive(
    close: float, expected: BarFault | None
) -> None:
    assert fault_of(BarScreen(), "AAA", T, close, 10.0) is expected


@pytest.mark.parametrize(
    ("volume", "expected"),
    [
        (math.nan, BarFault.NON_FINITE_VOLUME),
        (math.inf, BarFault.NON_FINITE_VOLUME),
        (-1e-9, BarFault.NEGATIVE_VOLUME),
        (-0.0, None),  # minus zero is zero
        (0.0, None),  # a bar without trades is a real bar
        (1e12, None),
    ],
)
def test_volume_must_be_finite_and_not_negative(
    volume: float, expected: BarFault | None
) -> None:
    assert fault_of(BarScreen(), "AAA", T, 100.0, volume) is expected


def test_timestamps_must_move_forward_per_symbol() -> None:
    screen = BarScreen()
    assert screen.admit("AAA", T, 100.0, 1.0) is None
    dup = screen.admit("AAA", T, 101.0, 1.0)
    assert dup is not None
    assert dup.fault is BarFault.DUPLICATE
    assert dup.previous_ns == T
    late = screen.admit("AAA", T - 1, 101.0, 1.0)
    assert late is not None
    assert late.fault is BarFault.OUT_OF_ORDER
    assert screen.admit("AAA", T + 1, 101.0, 1.0) is None  # one ns later is later
    assert screen.admit("BBB", T - 60 * S, 50.0, 1.0) is None  # symbols are separate
    assert screen.last_accepted_ns("AAA") == T + 1


def test_a_rejected_bar_is_not_remembered() -> None:
    screen = BarScreen()
    assert screen.admit("AAA", T, math.nan, 1.0) is not None
    assert screen.last_accepted_ns("AAA") is None
    assert screen.admit("AAA", T, 100.0, 1.0) is None  # the same time, now good


def test_the_first_malformed_rule_wins() -> None:
    screen = BarScreen()
    screen.admit("AAA", T, 100.0, 1.0)
    bad = screen.admit("AAA", T - S, -1.0, math.nan)
    assert bad is not None
    assert bad.fault is BarFault.NON_POSITIVE_CLOSE


def test_staleness_is_off_by_default_even_with_a_clock() -> None:
    assert BarScreen().max_age_ns is None
    assert BarScreen().admit("AAA", T, 100.0, 1.0, now_ns=T + 10**6 * S) is None


def test_stale_bars_are_rejected_only_past_the_maximum_age() -> None:
    screen = BarScreen(DataQualityConfig(max_bar_age=timedelta(seconds=120)))
    assert screen.max_age_ns == 120 * S
    assert screen.admit("AAA", T, 100.0, 1.0, now_ns=T + 120 * S) is None  # at
    assert screen.admit("AAA", T + S, 100.0, 1.0, now_ns=T + 120 * S) is None
    stale = screen.admit("AAA", T + 2 * S, 100.0, 1.0, now_ns=T + 122 * S + 1)
    assert stale is not None
    assert stale.fault is BarFault.STALE
    assert stale.age_ns == 120 * S + 1
    payload = stale.audit_payload()
    assert payload["reason"] == "stale"
    assert payload["age_s"] == "120.000000001"
    assert payload["max_age_s"] == "120.0"


def test_live_defaults_check_staleness() -> None:
    config = DataQualityConfig.live(timedelta(minutes=5))
    assert config.max_bar_age == timedelta(minutes=10)


@pytest.mark.parametrize("age", [timedelta(0), timedelta(seconds=-1), 60])
def test_a_bad_max_age_is_refused(age: object) -> None:
    with pytest.raises(InvalidInput, match="max_bar_age"):
        DataQualityConfig(max_bar_age=age)  # type: ignore[arg-type]


def test_the_audit_payload_names_the_rule_and_the_values() -> None:
    screen = BarScreen()
    screen.admit("AAA", T, 100.0, 1.0)
    bad = screen.admit("AAA", T + S, math.nan, 7.0)
    assert bad is not None
    assert bad.audit_payload() == {
        "symbol": "AAA",
        "timestamp_ns": T + S,
        "reason": "non_finite_close",
        "close": "nan",
        "volume": "7.0",
        "previous_timestamp_ns": T,
    }
