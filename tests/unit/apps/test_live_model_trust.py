"""``tradecore-live run --strategy model``: the model directory is verified under the
live trust rules, as the run's manifest is.

Regression: the live gate built ``--strategy model`` through the replay's loader,
which trusts this machine's development key: a dev-key model would have traded with
``[signing] allow_dev_key = false``, and even with ``--live``.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import pytest

from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.live import manifest_gate
from tradecore.apps.research import rl_policy


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    calls: list[dict[str, object]] = []

    def load(params: Mapping[str, object], signing: object, **trust: object) -> str:
        calls.append({"params": dict(params), "signing": signing, **trust})
        return "built"

    monkeypatch.setattr(manifest_gate, "load_model_strategy", load)
    monkeypatch.setattr(rl_policy, "load_policy_strategy", load)
    return calls


@pytest.mark.parametrize("kind", ["model", "policy"])
@pytest.mark.parametrize(
    ("allow_dev_key", "live", "trusted"),
    [(False, False, False), (True, False, True), (True, True, False)],
)
def test_the_model_dir_gets_the_live_trust_rules(
    seen: list[dict[str, object]],
    kind: str,
    allow_dev_key: bool,
    live: bool,
    trusted: bool,
) -> None:
    settings = attrs.evolve(
        Settings(), signing=SigningSettings(allow_dev_key=allow_dev_key)
    )
    params = {f"{kind}_dir": "models/m"}
    assert manifest_gate._strategy(kind, params, settings, live) == "built"
    [call] = seen
    assert call["params"] == params
    assert call["signing"] is settings.signing
    assert call["trust_local_dev_key"] is trusted
    assert call["allow_dev_key"] is trusted


def test_other_strategies_load_as_before(seen: list[dict[str, object]]) -> None:
    chosen = manifest_gate._strategy("sma_cross", {}, Settings(), False)
    assert chosen.strategy_id.startswith("sma_cross")
    assert seen == []
