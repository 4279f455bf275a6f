"""The ``[regime]`` section: typed keys, the model and breaker it builds, one clear
line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.apps.config.settings import load_settings
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.risk.trading_state import TradingState


def _load(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "c.toml"
    path.write_text(body)
    return load_settings(path, {}).regime


def test_the_section_builds_the_model_and_the_breaker(tmp_path: Path) -> None:
    regime = _load(
        tmp_path,
        '[regime]\nenabled = true\nstates = 3\nrefit = "390bars"\nwindow = 2000\n'
        "multipliers = [1, 0.5, 0]\nbreaker_probability = 0.9\nbreaker_bars = 12\n",
    )
    model = regime.model_config()
    assert (model.states, model.refit_bars, model.window) == (3, 390, 2000)
    assert regime.multipliers == (1.0, 0.5, 0.0)
    breaker = regime.breaker_config()
    assert breaker is not None
    assert (breaker.probability, breaker.bars) == (0.9, 12)
    assert breaker.trip_state is TradingState.REDUCING
    assert regime.to_dict()["multipliers"] == [1.0, 0.5, 0.0]


def test_off_by_default_and_no_breaker_unless_asked(tmp_path: Path) -> None:
    regime = _load(tmp_path, "")
    assert regime.enabled is False
    assert regime.breaker_config() is None


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('refit = "weekly"', "refit"),
        ("passive_above = 1.5", "passive_above"),
        ("breaker_bars = 0", "breaker_bars"),
        ("min_history = 3", "min_history"),
        ('multipliers = ["a"]', "multipliers"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, body: str, key: str) -> None:
    with pytest.raises(ConfigurationError, match=key):
        _load(tmp_path, f"[regime]\n{body}\n")
