"""Named fault points: inert by default, act exactly on the armed point's nth hit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradecore.services.durability import fault_points
from tradecore.services.durability.fault_points import (
    POINTS,
    ArmedPoint,
    arm,
    fault_point,
)


@pytest.fixture(autouse=True)
def _disarmed() -> Iterator[None]:
    arm(None)
    yield
    arm(None)


def test_nothing_is_armed_by_default_and_every_point_passes() -> None:
    assert fault_points.armed() is None
    for name in POINTS:
        fault_point(name)


def test_the_armed_point_acts_on_its_nth_hit_only() -> None:
    acted: list[str] = []
    point = ArmedPoint("after_submitted_commit", 3, acted.append)
    arm(point)
    for _ in range(2):
        fault_point("after_submitted_commit")
        fault_point("after_intent_commit")  # another point: not counted
    assert acted == []
    fault_point("after_submitted_commit")
    assert acted == ["after_submitted_commit"]
    fault_point("after_submitted_commit")
    assert acted == ["after_submitted_commit"]
    assert point.hits == 4


@pytest.mark.parametrize(("name", "nth"), [("nowhere", 1), ("during_recovery", 0)])
def test_an_unknown_point_or_a_bad_count_is_refused(name: str, nth: int) -> None:
    with pytest.raises(ValueError, match=r"nowhere|nth"):
        ArmedPoint(name, nth, lambda _: None)
