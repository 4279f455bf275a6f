"""The portfolio TOML: what it builds, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.portfolio import BudgetBasis, Method
from tradecore.domain.strategies.portfolio_strategy import PortfolioStrategy
from tradecore.domain.strategies.rsi_reversion import RsiReversion
from tradecore.domain.strategies.sma_cross import SmaCross

GOOD = """
[portfolio]
id = "blend"
method = "risk_parity"
correlation_alert = 0.8
rebalance_every = 5
[portfolio.constraints]
gross_target = 0.9
name_cap = 0.3
budget_basis = "risk"
[portfolio.estimation]
window = 60
min_observations = 20
covariance = "ewma"

[[strategies]]
name = "trend"
strategy = "sma_cross"
params = { fast = 5, slow = 20 }
budget = 2.0
[strategies.limits]
max_position_shares = 300
allow_short = false

[[strategies]]
name = "reversion"
strategy = "rsi_reversion"
params = { period = 14 }
halted = true
"""


def load(tmp_path: Path, text: str) -> PortfolioStrategy:
    path = tmp_path / "portfolio.toml"
    path.write_text(text)
    built = load_strategy("portfolio", {"config": str(path)})
    assert isinstance(built, PortfolioStrategy)
    return built


def test_a_config_builds_the_portfolio_it_describes(tmp_path: Path) -> None:
    pf = load(tmp_path, GOOD)
    assert pf.strategy_id == "blend"
    settings = pf.settings
    assert settings.method is Method.RISK_PARITY
    assert settings.constraints.name_cap == 0.3
    assert settings.constraints.budget_basis is BudgetBasis.RISK
    assert settings.estimation.window == 60
    assert settings.correlation_alert == 0.8
    assert settings.rebalance_every == 5
    trend, reversion = sorted(pf.sleeves, key=lambda s: s.name, reverse=True)
    assert isinstance(trend.strategy, SmaCross)
    assert trend.strategy.strategy_id == "sma_cross_5_20"
    assert trend.budget == 2.0
    assert trend.limits.max_position_shares == 300
    assert not trend.limits.allow_short
    assert isinstance(reversion.strategy, RsiReversion)
    assert reversion.halted


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("[portfolio]", "[portfolio]\nmethd = 1"), "unknown key portfolio.methd"),
        (('method = "risk_parity"', 'method = "magic"'), "portfolio.method = 'magic'"),
        (("gross_target = 0.9", 'gross_target = "0.9"'), "gross_target = '0.9'"),
        (("gross_target = 0.9", "gross_target = 50"), "gross_target"),
        (("window = 60", "window = 6.5"), "estimation.window = 6.5: expected a whole"),
        (("budget = 2.0", "budget = true"), "strategies[0].budget = True"),
        (("budget = 2.0", "budget = -1"), "budget"),
        (('name = "reversion"', 'name = "trend"'), "name 'trend' is used twice"),
        (("max_position_shares = 300", "max_shares = 300"), "limits.max_shares"),
        (
            ('strategy = "sma_cross"', 'strategy = "nope"'),
            "strategies[0]: unknown strategy",
        ),
        (("fast = 5", "fastest = 5"), "no parameter fastest"),
        (("fast = 5", "fast = [5]"), "params.fast = [5]"),
        (
            ('strategy = "sma_cross"', 'strategy = "portfolio"'),
            "cannot hold a portfolio",
        ),
        (("halted = true", "halted = 1"), "halted = 1: expected true or false"),
        (("correlation_alert = 0.8", "correlation_alert = 1.5"), "correlation_alert"),
        (('name = "trend"', 'nam = "trend"'), "unknown key strategies[0].nam"),
        (("[portfolio]", "strategy = 1\n[portfolio]"), "unknown key strategy"),
    ],
)
def test_every_mistake_is_one_clear_error(
    tmp_path: Path, edit: tuple[str, str], named: str
) -> None:
    old, new = edit
    assert old in GOOD
    with pytest.raises(ConfigurationError) as caught:
        load(tmp_path, GOOD.replace(old, new, 1))
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


def test_the_config_param_and_file_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="needs --param config"):
        load_strategy("portfolio", {})
    with pytest.raises(ConfigurationError, match="no parameter fast"):
        load_strategy("portfolio", {"config": "x.toml", "fast": 3})
    with pytest.raises(ConfigurationError, match=r"portfolio config .*missing\.toml"):
        load_strategy("portfolio", {"config": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigurationError, match="not TOML"):
        load(tmp_path, "[portfolio\n")
    with pytest.raises(ConfigurationError, match="at least one"):
        load(tmp_path, "[portfolio]\n")


def test_the_portfolio_hash_binds_the_configs_content(tmp_path: Path) -> None:
    from datetime import timedelta

    from tradecore.apps.replay.run_manifest import run_identity

    first = load(tmp_path, GOOD)
    same = load(tmp_path, GOOD)
    other = load(tmp_path, GOOD.replace("budget = 2.0", "budget = 2.5"))
    assert first.model_hash == same.model_hash
    assert first.model_hash != other.model_hash
    identity = run_identity("portfolio", first, {}, timedelta(minutes=1))
    assert identity.artifact_hash == first.model_hash
