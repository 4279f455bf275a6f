"""``tradecore-live run --strategy portfolio``: the sub-strategies' model directories
and ``[[strategies]] manifest`` files are verified under the live trust rules.

Regression: the live gate built a portfolio through the replay's loader, which
trusts this machine's development key: a dev-signed sub-strategy would have traded
with ``[signing] allow_dev_key = false``, and even with ``--live``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs
import pytest

from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.live import manifest_gate
from tradecore.apps.wiring import portfolio_config
from tradecore.apps.wiring.strategy_loader import load_strategy
from tradecore.domain.strategies.portfolio_strategy import PortfolioStrategy

_CONFIG = """
[portfolio]
id = "book"

[[strategies]]
name = "learned"
strategy = "model"
params = { model_dir = "models/m" }

[[strategies]]
name = "trend"
strategy = "sma_cross"
params = { fast = 3, slow = 8 }
manifest = "trend.json"
"""


@attrs.frozen
class _Verified:
    strategy_id: str


@pytest.fixture
def seen(
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, list[dict[str, object]]]:
    calls: dict[str, list[dict[str, object]]] = {"model": [], "manifest": []}

    def load(params: Mapping[str, object], signing: object, **trust: object) -> object:
        calls["model"].append({"params": dict(params), "signing": signing, **trust})
        return load_strategy("sma_cross", {"fast": 2, "slow": 5})

    def verify(path: Path, signing: object, **trust: object) -> _Verified:
        calls["manifest"].append({"path": path, "signing": signing, **trust})
        return _Verified("sma_cross_3_8")

    monkeypatch.setattr(manifest_gate, "load_model_strategy", load)
    monkeypatch.setattr(portfolio_config, "verify_manifest_file", verify)
    return calls


@pytest.mark.parametrize(
    ("allow_dev_key", "live", "trusted"),
    [(False, False, False), (True, False, True), (True, True, False)],
)
def test_sub_strategies_get_the_live_trust_rules(
    tmp_path: Path,
    seen: dict[str, list[dict[str, object]]],
    allow_dev_key: bool,
    live: bool,
    trusted: bool,
) -> None:
    config = tmp_path / "portfolio.toml"
    config.write_text(_CONFIG, encoding="utf-8")
    settings = attrs.evolve(
        Settings(), signing=SigningSettings(allow_dev_key=allow_dev_key)
    )
    built = manifest_gate._strategy(
        "portfolio", {"config": str(config)}, settings, live
    )
    assert isinstance(built, PortfolioStrategy)
    assert [s.name for s in built.sleeves] == ["learned", "trend"]
    [model] = seen["model"]
    assert model["params"] == {"model_dir": "models/m"}
    assert model["signing"] is settings.signing
    assert model["trust_local_dev_key"] is trusted
    assert model["allow_dev_key"] is trusted
    [manifest] = seen["manifest"]
    assert manifest["path"] == tmp_path / "trend.json"
    assert manifest["signing"] is settings.signing
    assert manifest["trust_local_dev_key"] is trusted
    assert manifest["allow_dev_key"] is trusted


def test_the_replay_loader_keeps_the_replay_rule(
    tmp_path: Path, seen: dict[str, list[dict[str, object]]]
) -> None:
    config = tmp_path / "portfolio.toml"
    config.write_text(_CONFIG.split("[[strategies]]", 2)[0] + _trend(), "utf-8")
    load_strategy("portfolio", {"config": str(config)})
    [manifest] = seen["manifest"]
    assert manifest["trust_local_dev_key"] is True
    assert manifest["allow_dev_key"] is True


def _trend() -> str:
    return "[[strategies]]" + _CONFIG.split("[[strategies]]", 2)[2]
