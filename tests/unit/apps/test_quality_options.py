"""``--quality-rule`` and ``--quality-exempt`` read into the gate's rules."""

from __future__ import annotations

from datetime import date

import pytest

from tradecore.apps.replay.quality_options import quality_rules
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_quality import Action, QualityRule, QualityRules


def test_no_options_are_the_documented_defaults() -> None:
    assert quality_rules([], []) == QualityRules()


def test_thresholds_actions_and_exemptions_are_read() -> None:
    rules = quality_rules(
        [
            "jump_sigmas=8",
            "frozen_run=10",
            "volume_spike=quarantine",
            "zero_volume=flag",
        ],
        ["AAPL:2024-06-10"],
    )
    assert (rules.jump_sigmas, rules.frozen_run) == (8.0, 10)
    assert rules.action(QualityRule.VOLUME_SPIKE) is Action.QUARANTINE
    assert rules.action(QualityRule.ZERO_VOLUME) is Action.FLAG
    assert rules.action(QualityRule.JUMP) is Action.QUARANTINE
    assert rules.explained is not None
    assert rules.explained("AAPL", date(2024, 6, 10))
    assert not rules.explained("AAPL", date(2024, 6, 11))


@pytest.mark.parametrize(
    ("rules", "exempt", "message"),
    [
        (["speed=3"], [], "unknown name"),
        (["jump_sigmas=lots"], [], "expected a number"),
        (["jump=drop"], [], "quarantine / flag"),
        (["frozen_run=0"], [], "must be a number > 0"),
        ([], ["AAPL 2024-06-10"], "expected SYMBOL:YYYY-MM-DD"),
    ],
)
def test_bad_options_are_one_clear_configuration_error(
    rules: list[str], exempt: list[str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        quality_rules(rules, exempt)
