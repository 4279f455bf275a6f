"""The degradation policy: the table, the modes' allowed actions, health levels."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.risk.degradation import (
    ALLOWED,
    MODE_TABLE,
    SEVERITY,
    Component,
    Health,
    HealthThresholds,
    Mode,
    OrderAction,
    allows,
    broker_health,
    data_health,
    mode_for,
    order_action,
    store_health,
)

D = Decimal
T = HealthThresholds()


def test_the_table_covers_every_component_and_health() -> None:
    assert set(MODE_TABLE) == {(c, h) for c in Component for h in Health}
    assert {MODE_TABLE[(c, Health.OK)] for c in Component} == {Mode.FULL}
    for c in Component:  # worse health never means a freer mode
        ok, degraded, down = (SEVERITY[MODE_TABLE[(c, h)]] for h in Health)
        assert ok < degraded <= down


@pytest.mark.parametrize(
    ("health", "mode"),
    [
        ({}, Mode.FULL),
        ({Component.BROKER: Health.DEGRADED}, Mode.NO_NEW_ENTRIES),
        ({Component.DATA_FEED: Health.DEGRADED}, Mode.NO_NEW_ENTRIES),
        ({Component.MODEL: Health.DOWN}, Mode.EMERGENCY_CLOSE),
        ({Component.STORE: Health.DOWN}, Mode.MONITOR_ONLY),
        ({Component.BROKER: Health.DOWN}, Mode.MONITOR_ONLY),
        (
            {Component.MODEL: Health.DOWN, Component.BROKER: Health.DEGRADED},
            Mode.EMERGENCY_CLOSE,
        ),
        (
            {Component.MODEL: Health.DOWN, Component.STORE: Health.DOWN},
            Mode.MONITOR_ONLY,
        ),
    ],
)
def test_the_most_restrictive_mode_wins(
    health: dict[Component, Health], mode: Mode
) -> None:
    assert mode_for(health) is mode


def test_allowed_actions_shrink_with_severity() -> None:
    modes = sorted(Mode, key=SEVERITY.__getitem__)
    for looser, stricter in itertools.pairwise(modes):
        assert ALLOWED[stricter] < ALLOWED[looser]
    assert ALLOWED[Mode.FULL] == set(OrderAction)
    assert ALLOWED[Mode.MONITOR_ONLY] == set()
    assert allows(Mode.NO_NEW_ENTRIES, OrderAction.REDUCE)
    assert not allows(Mode.NO_NEW_ENTRIES, OrderAction.ENTER)
    assert allows(Mode.EMERGENCY_CLOSE, OrderAction.CLOSE)
    assert not allows(Mode.EMERGENCY_CLOSE, OrderAction.REDUCE)


@pytest.mark.parametrize(
    ("position", "delta", "action"),
    [
        (0, 100, OrderAction.ENTER),
        (0, -100, OrderAction.ENTER),  # a new short
        (100, 50, OrderAction.ENTER),
        (100, -40, OrderAction.REDUCE),
        (-100, 40, OrderAction.REDUCE),
        (100, -100, OrderAction.CLOSE),
        (-100, 100, OrderAction.CLOSE),
        (100, -150, OrderAction.ENTER),  # a flip opens the other side
    ],
)
def test_order_actions(position: int, delta: int, action: OrderAction) -> None:
    assert order_action(D(position), D(delta)) is action


@given(
    position=st.integers(-1000, 1000),
    delta=st.integers(-2000, 2000).filter(bool),
)
def test_an_allowed_order_under_no_new_entries_never_grows_exposure(
    position: int, delta: int
) -> None:
    action = order_action(D(position), D(delta))
    if allows(Mode.NO_NEW_ENTRIES, action):
        assert abs(position + delta) < abs(position)
        assert (position + delta) * position >= 0  # no flip
    if allows(Mode.EMERGENCY_CLOSE, action):
        assert position + delta == 0


@pytest.mark.parametrize(
    ("failed", "calls", "health"),
    [
        (4, 4, Health.OK),  # too few calls to judge
        (0, 10, Health.OK),
        (1, 10, Health.OK),
        (2, 10, Health.DEGRADED),  # at 0.2
        (4, 10, Health.DEGRADED),
        (5, 10, Health.DOWN),  # at 0.5
    ],
)
def test_broker_health(failed: int, calls: int, health: Health) -> None:
    assert broker_health(failed, calls, T) is health


@pytest.mark.parametrize(
    ("age_s", "health"),
    [
        (None, Health.DOWN),
        (60.0, Health.OK),
        (180.0, Health.OK),  # at 3 intervals
        (180.1, Health.DEGRADED),
        (600.0, Health.DEGRADED),  # at 10
        (600.1, Health.DOWN),
    ],
)
def test_data_health(age_s: float | None, health: Health) -> None:
    assert data_health(age_s, T) is health


@pytest.mark.parametrize(
    ("errors", "health"), [(0, Health.OK), (1, Health.DEGRADED), (3, Health.DOWN)]
)
def test_store_health(errors: int, health: Health) -> None:
    assert store_health(errors, T) is health


def test_thresholds_are_checked() -> None:
    with pytest.raises(InvalidInput, match="broker_down_rate"):
        HealthThresholds(broker_degraded_rate=0.5, broker_down_rate=0.4)
    with pytest.raises(InvalidInput, match="broker_degraded_rate"):
        HealthThresholds(broker_degraded_rate=0.0)
    with pytest.raises(InvalidInput, match="store_down_errors"):
        HealthThresholds(store_down_errors=0)


def test_every_combination_of_healths_gets_the_most_restrictive_mode() -> None:
    """The remembered answers are the table's: every health of every component,
    asked twice (the second answer comes from memory)."""
    for healths in itertools.product(list(Health), repeat=len(Component)):
        health = dict(zip(Component, healths, strict=True))
        expected = max(
            (MODE_TABLE[(c, h)] for c, h in health.items()), key=SEVERITY.__getitem__
        )
        assert mode_for(health) is expected
        assert mode_for(health) is expected
