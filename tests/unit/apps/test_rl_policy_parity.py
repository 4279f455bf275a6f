"""A policy sees in replay what it saw in the environment, and trades the same.

A scripted policy (no torch) runs twice over the same bars: driven by
:class:`TradingEnv`, and as :class:`PolicyStrategy` in an ordinary ``replay()``.
The observations it is shown and the book it ends with must agree.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tradecore.apps.replay.runner import replay
from tradecore.apps.research.rl_env import TradingEnv
from tradecore.apps.research.rl_policy import PolicyStrategy, load_policy_strategy
from tradecore.apps.research.rl_spaces import ActionSpace
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.portfolio.inputs import Constraints

FEATURES = parse_features(
    '[[feature]]\nname = "r3"\nkind = "return"\nn = 3\n'
    '[[feature]]\nname = "rsi"\nkind = "rsi"\nperiod = 5\n'
)
SPACE = ActionSpace(constraints=Constraints(gross_target=0.8, name_cap=0.5))
WARMUP, STEPS = 6, 25


class Scripted:
    """Actions from a fixed table, one per call; remembers what it was shown."""

    def __init__(self) -> None:
        self.actions = np.random.default_rng(4).uniform(-1, 1, size=(STEPS, 2))
        self.seen: list[np.ndarray] = []

    def act(self, observation: np.ndarray) -> np.ndarray:
        self.seen.append(observation.copy())
        # The replay asks once more at its last bar: no bar follows to fill that.
        return self.actions[min(len(self.seen), STEPS) - 1]


def test_replayed_policy_sees_and_does_what_the_environment_did() -> None:
    frames = generate_bars(
        ["AAA", "BBB"],
        WARMUP + STEPS + 1,
        start=datetime(2024, 1, 2, tzinfo=UTC),
        seed=8,
    )
    env = TradingEnv(
        frames,
        FEATURES,
        space=SPACE,
        episode_bars=STEPS,
        warmup_bars=WARMUP,
        random_start=False,
        fill_model="ideal",
        calendar="24/7",
        cash=100_000,
    )
    in_env = Scripted()
    try:
        obs, _ = env.reset(seed=0)
        done = False
        while not done:
            obs, _, done, _, _ = env.step(in_env.act(obs))
        env_book = {p.symbol: p.qty for p in env.engine.ledger.positions()}
        env_cash = env.engine.ledger.cash
    finally:
        env.close()
    in_replay = Scripted()
    strategy = PolicyStrategy(
        in_replay,
        FEATURES,
        ["AAA", "BBB"],
        SPACE,
        model_hash="x" * 64,
        warmup_bars=WARMUP,
    )
    result = replay(frames, strategy, fill_model="ideal", cash=100_000, calendar="24/7")
    assert len(in_replay.seen) >= STEPS
    for a, b in zip(in_env.seen, in_replay.seen[:STEPS], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert result.summary["fills"] > 0
    # The last decision's fills land in the bar the environment stops at.
    replay_book = {}
    for row in result.fill_rows:
        sign = 1 if row["side"] == "buy" else -1
        replay_book[row["symbol"]] = (
            replay_book.get(row["symbol"], 0) + sign * row["qty"]
        )
    assert {s: q for s, q in replay_book.items() if q} == env_book
    assert env_cash > 0


def test_policy_needs_its_folder() -> None:
    with pytest.raises(ConfigurationError, match="policy_dir"):
        load_policy_strategy({})
    with pytest.raises(ConfigurationError, match="no parameter"):
        load_policy_strategy({"policy_dir": "x", "warp": "1"})


def test_a_bad_deadband_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="deadband='-1': expected a number"):
        load_policy_strategy({"policy_dir": "x", "deadband": "-1"})
