"""The ``[promotion]`` section: documented defaults, overrides, strict types."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.apps.config.settings import load_settings
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.research.gate import PromotionCriteria


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "tc.toml"
    path.write_text(text)
    return load_settings(path, {})


def test_the_defaults_are_the_gate_defaults() -> None:
    settings = load_settings(None, {})
    assert settings.promotion.criteria() == PromotionCriteria()
    assert settings.promotion.leakage_cuts == 8
    assert settings.model.require_promotion is False


def test_overrides_reach_the_criteria(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "[promotion]\nmin_dsr = 0.9\nmax_turnover = 50\nrequire_no_leakage = false\n"
        "[model]\nrequire_promotion = true\n",
    )
    criteria = settings.promotion.criteria()  # type: ignore[attr-defined]
    assert (criteria.min_dsr, criteria.max_turnover) == (0.9, 50)
    assert criteria.require_no_leakage is False
    assert settings.model.require_promotion is True  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[promotion]\nmin_dsr = "high"\n',
            "promotion.min_dsr = 'high': expected a number",
        ),
        ("[promotion]\nleakage_cuts = 0\n", "leakage_cuts=0: expected an integer >= 1"),
        ("[promotion]\nmin_sharp = 1\n", "min_sharp"),
        ('[model]\nrequire_promotion = "yes"\n', "model.require_promotion = 'yes'"),
    ],
)
def test_bad_values_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _load(tmp_path, text)
    assert message in str(caught.value)
