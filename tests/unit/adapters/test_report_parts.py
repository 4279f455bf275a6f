"""Report building blocks: canonical JSON, downsampling, chart ticks."""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from tradecore.adapters.report import canonical_json, minmax_indices
from tradecore.adapters.report.svg import (
    ChartStyle,
    format_value,
    nice_step,
    time_series_svg,
    time_ticks,
    value_ticks,
)
from tradecore.domain.errors import InvalidInput

NS = 1_000_000_000


def ns(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp()) * NS  # type: ignore[misc]


class Colour(enum.Enum):
    RED = "red"


def test_canonical_json_spells_each_value_one_way() -> None:
    value = {
        "b": [np.float64(0.1) + np.float64(0.2), np.int64(3), -0.0, math.inf],
        "a": {"at": datetime(2024, 1, 2, 3, 4, tzinfo=UTC), "px": Decimal("1.10")},
        "c": Colour.RED,
        "d": (True, None),
    }
    assert canonical_json(value) == (
        "{\n"
        '  "a": {\n    "at": "2024-01-02T03:04:00Z",\n    "px": "1.10"\n  },\n'
        '  "b": [\n    0.3,\n    3,\n    0.0,\n    null\n  ],\n'
        '  "c": "red",\n'
        '  "d": [\n    true,\n    null\n  ]\n'
        "}\n"
    )


def test_canonical_json_rounds_to_twelve_significant_digits() -> None:
    assert canonical_json(1.23456789012345678) == "1.23456789012\n"
    assert canonical_json(123456789.123456789) == "123456789.123\n"


@pytest.mark.parametrize(
    "bad",
    [{1: "x"}, {"t": datetime(2024, 1, 1)}, {"s": {1, 2}}],
)
def test_canonical_json_refuses_ambiguous_values(bad: object) -> None:
    with pytest.raises(InvalidInput):
        canonical_json(bad)


def test_minmax_downsampling_keeps_extremes_and_ends() -> None:
    values = np.sin(np.linspace(0, 40, 100_000)) + np.linspace(0, 1, 100_000)
    values[12_345] = -50.0  # a one-point crash must survive
    values[67_890] = 60.0
    keep = minmax_indices(values, 2000)
    assert len(keep) <= 2000
    assert {0, 12_345, 67_890, 99_999} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)


def test_minmax_downsampling_keeps_short_curves_whole() -> None:
    assert minmax_indices(np.ones(10), 2000).tolist() == list(range(10))


@pytest.mark.parametrize(
    ("span", "target", "step"), [(470_000, 6, 100_000), (0.34, 5, 0.05), (7, 5, 1.0)]
)
def test_nice_step_picks_round_steps(span: float, target: int, step: float) -> None:
    assert nice_step(span, target) == pytest.approx(step)


def test_value_ticks_cover_the_range_on_round_values() -> None:
    assert value_ticks(-0.34, 0.0) == [-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0.0]
    assert value_ticks(880_000, 1_320_000)[:2] == [900_000, 1_000_000]


def test_format_value_uses_just_enough_decimals() -> None:
    assert format_value(1_200_000.0, 100_000.0, percent=False) == "1,200,000"
    assert format_value(-0.025, 0.025, percent=True) == "\u22122.5%"
    assert format_value(0.5, 0.25, percent=False) == "0.50"


def test_time_ticks_choose_units_by_span() -> None:
    hours = time_ticks(ns(2024, 1, 2, 14, 30), ns(2024, 1, 3, 18, 0))
    assert [label for _, label in hours[:3]] == ["Jan 2 18:00", "Jan 3 00:00", "06:00"]
    months = time_ticks(ns(2024, 1, 2), ns(2024, 12, 25))
    assert [label for _, label in months] == [
        "Mar 2024",
        "May 2024",
        "Jul 2024",
        "Sep 2024",
        "Nov 2024",
    ]
    years = time_ticks(ns(2010, 1, 1), ns(2024, 1, 1))
    assert [label for _, label in years][:2] == ["2012", "2014"]


def test_svg_chart_has_axes_labels_and_a_path() -> None:
    x = np.array([ns(2024, 1, 2), ns(2024, 1, 3), ns(2024, 1, 4)], dtype=np.int64)
    svg = time_series_svg(
        x,
        np.array([0.0, -0.2, -0.1]),
        ChartStyle(chart_id="dd", title="Drawdown", kind="area", percent=True),
    )
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "\u221220%" in svg
    assert "Jan 3" in svg
    assert "max drawdown \u221220.0%" in svg
    assert svg.count("<path") == 2


def test_svg_chart_of_nothing_says_so() -> None:
    empty = np.array([], dtype=np.int64)
    style = ChartStyle(chart_id="eq", title="Equity")
    assert "No data" in time_series_svg(empty, np.array([]), style)
