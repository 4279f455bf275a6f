"""Sweep grids: ``--grid fast=5:50:5`` (stop inclusive) and ``--grid slow=20,30,60``."""

from __future__ import annotations

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.grid import (
    ParameterGrid,
    combination_key,
    parse_axis,
)


def test_a_range_includes_its_stop() -> None:
    assert parse_axis("fast=5:50:5").values == (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)


def test_a_range_stops_before_a_stop_the_steps_miss() -> None:
    assert parse_axis("fast=5:12:5").values == (5, 10)


def test_decimal_steps_land_exactly() -> None:
    assert parse_axis("x=0.1:0.3:0.1").values == (0.1, 0.2, 0.3)


def test_lists_keep_their_order_and_type() -> None:
    assert parse_axis("slow=60,20,30").values == (60, 20, 30)
    assert parse_axis("qty=1.5,2").values == (1.5, 2.0)
    assert parse_axis("mode=fast,slow").values == ("fast", "slow")


def test_the_product_is_in_the_order_given() -> None:
    grid = ParameterGrid.parse(["fast=1,2", "slow=10,20,30"])
    assert grid.size == 6
    assert grid.combinations() == [
        {"fast": 1, "slow": 10},
        {"fast": 1, "slow": 20},
        {"fast": 1, "slow": 30},
        {"fast": 2, "slow": 10},
        {"fast": 2, "slow": 20},
        {"fast": 2, "slow": 30},
    ]


def test_a_mapping_takes_values_or_specs() -> None:
    grid = ParameterGrid.of({"fast": "2:4:1", "slow": [10, 20]})
    assert grid.as_dict() == {"fast": [2, 3, 4], "slow": [10, 20]}


def test_keys_are_stable_and_tell_int_from_float() -> None:
    assert combination_key({"a": 1, "b": 2}) == combination_key({"b": 2, "a": 1})
    assert combination_key({"a": 1}) != combination_key({"a": 1.0})
    assert len(combination_key({"a": 1})) == 16


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("fast=", "no values for fast"),
        ("fast", "expected NAME="),
        ("=1,2", "expected NAME="),
        ("fast=a:b:c", "not a number"),
        ("fast=1:10", "start:stop:step"),
        ("fast=1:10:0", "step must be > 0"),
        ("fast=10:1:1", "stop must be >= the start"),
        ("fast=1,,2", "empty value"),
        ("fast=1,x", "mixes numbers and words"),
        ("fast=1,1", "appears twice"),
        ("fast=1:inf:1", "finite"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        parse_axis(spec)


def test_a_grid_needs_a_parameter_once() -> None:
    with pytest.raises(InvalidInput, match="at least one"):
        ParameterGrid.parse([])
    with pytest.raises(InvalidInput, match="appears twice"):
        ParameterGrid.parse(["fast=1", "fast=2"])
    with pytest.raises(InvalidInput, match="no values"):
        ParameterGrid.of({"fast": []})
