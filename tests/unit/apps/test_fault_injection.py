"""``TRADECORE_FAULT_POINT``: parsed once at app start, refused when wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradecore.apps.live.fault_injection import arm_from_env, parse_fault_point
from tradecore.domain.errors import ConfigurationError
from tradecore.services.durability import fault_points


@pytest.fixture(autouse=True)
def _disarmed() -> Iterator[None]:
    yield
    fault_points.arm(None)


def test_unset_arms_nothing() -> None:
    assert arm_from_env({}) is None
    assert fault_points.armed() is None


def test_name_and_nth_arm_that_point() -> None:
    point = arm_from_env({"TRADECORE_FAULT_POINT": "during_fill_apply:2"})
    assert point is fault_points.armed()
    assert point is not None
    assert (point.name, point.nth) == ("during_fill_apply", 2)


def test_nth_defaults_to_the_first_hit() -> None:
    assert parse_fault_point("during_recovery") == ("during_recovery", 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [("after_intent_commit:x", "NTH an integer"), ("nowhere", "unknown fault point")],
)
def test_a_bad_setting_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        arm_from_env({"TRADECORE_FAULT_POINT": text})
