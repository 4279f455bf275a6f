"""``[execution]`` settings: from TOML to the engine's planner config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tradecore.apps.config.settings import load_settings
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.market.bars import Provenance


def _load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "tc.toml"
    path.write_text(body)
    return load_settings(path, {}, {})


def test_execution_is_off_by_default(tmp_path: Path) -> None:
    settings = _load(tmp_path, "")
    assert settings.execution.enabled is False  # type: ignore[attr-defined]


def test_the_table_builds_the_planner_config(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "[execution]\nenabled = true\nurgency_minutes = 20\nprovenance = 'iex'\n"
        "max_age_days = 2\nkelly_fraction = 0.25\nspread_bps_by_symbol = { CCC = 40 }\n"
        "calibrate_probability_after = 5\n",
    ).execution  # type: ignore[attr-defined]
    params = CostModelParams()
    config = settings.build(params, fitted_at=None, fees=FeeModel())
    assert config.version_hash == params.version_hash
    assert config.urgency_minutes == 20.0
    assert config.provenance is Provenance.IEX
    assert config.calibration.max_age == timedelta(days=2)
    assert config.kelly.kelly_fraction == 0.25
    assert config.spread_bps_by_symbol == {"CCC": 40.0}
    assert config.target_volatility is None
    assert config.calibrate_probability_after == 5


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("urgency_minutes = 0", "urgency_minutes"),
        ("provenance = 'rumour'", "provenance"),
        ("kelly_fraction = 2", "kelly_fraction"),
        ("prior_win_rate = 1.0", "prior_win_rate"),
        ("sizing = 'kelly'", "sizing"),
        ("calibrate_probability_after = -1", "calibrate_probability_after"),
        ("calibrate_probability_after = 2.5", "calibrate_probability_after"),
    ],
)
def test_bad_values_are_refused_by_name(tmp_path: Path, body: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        _load(tmp_path, f"[execution]\n{body}\n")
