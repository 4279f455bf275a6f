"""Stress text: what is written is what is parsed; anything else is a clear InvalidInput."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.stress import COMBINED, parse_stress, scenarios_of

_AMOUNT = st.integers(min_value=0, max_value=10_000)


@given(
    costs=_AMOUNT,
    latency_ms=_AMOUNT,
    rejects=st.integers(min_value=0, max_value=100),
    spread=_AMOUNT,
)
def test_written_values_are_parsed_back(
    costs: int, latency_ms: int, rejects: int, spread: int
) -> None:
    text = f"costs={costs / 100}x,latency=+{latency_ms}ms,rejects={rejects}%,spread={spread / 100}x"
    parsed = parse_stress(text)
    assert parsed[0].cost_multiplier == costs / 100
    assert parsed[1].added_latency_s == latency_ms / 1000
    assert parsed[2].reject_rate == rejects / 100
    assert parsed[3].spread_multiplier == spread / 100
    combined = scenarios_of(text)[-1]
    assert combined.name == COMBINED
    assert combined.cost_multiplier == costs / 100
    assert combined.reject_rate == rejects / 100


@given(st.text(max_size=40))
def test_any_text_parses_or_fails_with_invalid_input(text: str) -> None:
    try:
        scenarios = scenarios_of(text)
    except InvalidInput as error:
        field = error.field
        scenarios = ()
    else:
        field = "stress"
        assert scenarios
    assert field == "stress"
    assert all(s.cost_multiplier >= 0 and s.spread_multiplier >= 0 for s in scenarios)
