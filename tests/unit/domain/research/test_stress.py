"""Stress scenario text: each item's form, clear errors, and the scenarios a run runs."""

from __future__ import annotations

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.stress import (
    COMBINED,
    StressScenario,
    parse_item,
    parse_stress,
    scenarios_of,
)


def test_the_documented_example_parses_into_each_knob() -> None:
    costs, latency, rejects, spread = parse_stress(
        "costs=3x,latency=+500ms,rejects=8%,spread=2x"
    )
    assert costs == StressScenario(name="costs=3x", cost_multiplier=3.0)
    assert latency == StressScenario(name="latency=+500ms", added_latency_s=0.5)
    assert rejects == StressScenario(name="rejects=8%", reject_rate=0.08)
    assert spread == StressScenario(name="spread=2x", spread_multiplier=2.0)


def test_seconds_and_fractions_are_accepted() -> None:
    assert parse_item("latency=+2s").added_latency_s == 2.0
    assert parse_item(" costs = 1.5x ").cost_multiplier == 1.5


def test_scenarios_are_each_item_then_all_combined() -> None:
    runs = scenarios_of("costs=3x,latency=+500ms,rejects=8%,spread=2x")
    assert [s.name for s in runs] == [
        "costs=3x",
        "latency=+500ms",
        "rejects=8%",
        "spread=2x",
        COMBINED,
    ]
    assert runs[-1] == StressScenario(
        name=COMBINED,
        cost_multiplier=3.0,
        added_latency_s=0.5,
        reject_rate=0.08,
        spread_multiplier=2.0,
    )


def test_one_item_is_one_scenario_without_a_combined_one() -> None:
    assert [s.name for s in scenarios_of("costs=2x")] == ["costs=2x"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("costs=3", "costs=3"),
        ("latency=500ms", "latency=500ms"),
        ("rejects=8", "rejects=8"),
        ("rejects=120%", "rejects=120%"),
        ("spread=-2x", "spread=-2x"),
        ("slippage=2x", "unknown item 'slippage'"),
        ("costs", "expected KEY=VALUE"),
        ("costs=2x,costs=3x", "costs is given twice"),
        (" , ", "expected items"),
    ],
)
def test_bad_text_names_the_item(text: str, names: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_stress(text)
    assert names in str(caught.value)
    assert str(caught.value).startswith("stress=")


def test_a_scenario_refuses_out_of_range_values() -> None:
    with pytest.raises(InvalidInput, match="reject_rate"):
        StressScenario(name="x", reject_rate=1.5)
    with pytest.raises(InvalidInput, match="cost_multiplier"):
        StressScenario(name="x", cost_multiplier=float("nan"))
