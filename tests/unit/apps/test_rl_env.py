"""The portfolio RL environment: gymnasium's checker, determinism, clipping, the
reward's accounting, episode ends and clean-up (gymnasium only, no torch)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from tradecore.apps.research.rl_env import TradingEnv
from tradecore.apps.research.rl_spaces import ActionSpace
from tradecore.domain.features.declaration import parse_features
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.portfolio.inputs import Constraints

FEATURES = parse_features(
    '[[feature]]\nname = "r5"\nkind = "return"\nn = 5\n'
    '[[feature]]\nname = "rsi"\nkind = "rsi"\nperiod = 14\n'
)
START = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


def _frames(n: int = 200) -> list[BarFrame]:
    return generate_bars(["AAA", "BBB", "CCC"], n, start=START, seed=3)


def _env(**kwargs: object) -> TradingEnv:
    options: dict[str, object] = {
        "episode_bars": 30,
        "warmup_bars": 15,
        "calendar": "24/7",
    }
    options.update(kwargs)
    return TradingEnv(_frames(), FEATURES, **options)  # type: ignore[arg-type]


def test_gymnasium_check_env_passes() -> None:
    env = _env()
    try:
        check_env(env, skip_render_check=True)
    finally:
        env.close()


def _trajectory(env: TradingEnv, seed: int) -> tuple[list[np.ndarray], list[float]]:
    actions = np.random.default_rng(99).uniform(-1, 1, size=(30, 3)).astype(np.float32)
    obs, _ = env.reset(seed=seed)
    seen, rewards = [obs], []
    for action in actions:
        obs, reward, terminated, _, _ = env.step(action)
        seen.append(obs)
        rewards.append(reward)
        if terminated:
            break
    return seen, rewards


def test_same_seed_and_actions_give_the_same_trajectory() -> None:
    one, two = _env(), _env()
    try:
        obs_a, rewards_a = _trajectory(one, seed=5)
        obs_b, rewards_b = _trajectory(two, seed=5)
        again_obs, again_rewards = _trajectory(one, seed=5)  # reset reuses the env
        other_obs, _ = _trajectory(two, seed=6)
    finally:
        one.close()
        two.close()
    assert rewards_a == rewards_b == again_rewards
    for a, b, c in zip(obs_a, obs_b, again_obs, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert any(not np.array_equal(a, b) for a, b in zip(obs_a, other_obs, strict=True))
    assert any(r != 0.0 for r in rewards_a)


def test_the_book_honours_the_caps_after_actions() -> None:
    space = ActionSpace(
        constraints=Constraints(gross_target=0.6, name_cap=0.25, net_max=0.3)
    )
    env = _env(space=space, fill_model="ideal", random_start=False)
    try:
        env.reset(seed=0)
        for _ in range(10):
            env.step(np.ones(3, dtype=np.float32))  # wants 100% long of everything
        obs, *_ = env.step(np.ones(3, dtype=np.float32))
    finally:
        env.close()
    weights = obs[3 * 2 : 3 * 2 + 3]
    # Whole shares at the last close and a bar's drift: a little slack.
    assert np.all(np.abs(weights) <= 0.25 + 0.02)
    assert float(weights.sum()) <= 0.3 + 0.02
    assert float(weights.sum()) >= 0.25  # the net cap bound, not something else


def _tiny_frame() -> BarFrame:
    """One symbol, one-minute bars: flat at 100, then a bar opening 100 closing 110."""
    t0 = to_ns(datetime(2024, 1, 2, 15, 0, tzinfo=UTC))
    stamps = np.array([t0 + i * 60_000_000_000 for i in range(6)], dtype=np.int64)
    close = np.array([100.0, 100.0, 110.0, 110.0, 121.0, 121.0])
    opens = np.array([100.0, 100.0, 100.0, 110.0, 110.0, 121.0])
    return BarFrame(
        symbol="AAA",
        timestamps=stamps,
        open=opens,
        high=np.maximum(opens, close),
        low=np.minimum(opens, close),
        close=close,
        volume=np.full(6, 1e6),
        provenance=Provenance.SIMULATED,
    )


def _tiny_env(fill_model: str, **kwargs: object) -> TradingEnv:
    return TradingEnv(
        [_tiny_frame()],
        parse_features('[[feature]]\nname = "r1"\nkind = "return"\nn = 1\n'),
        episode_bars=3,
        warmup_bars=1,
        random_start=False,
        calendar="24/7",
        fill_model=fill_model,
        cash=10_000,
        **kwargs,  # type: ignore[arg-type]
    )


def test_reward_is_the_equity_change_on_a_hand_checked_case() -> None:
    # Decided at the close of bar 1 (100): 50% of 10,000 = 50 shares, bought at
    # bar 2's open (100, ideal fills, no fees), marked at its close 110:
    # equity 5,000 + 50 * 110 = 10,500, a simple return of exactly 5%.
    env = _tiny_env("ideal", reward="simple")
    try:
        env.reset(seed=0)
        _, reward, terminated, _, info = env.step(np.array([0.5], dtype=np.float32))
    finally:
        env.close()
    assert reward == pytest.approx(0.05, abs=1e-12)
    assert info["equity"] == pytest.approx(10_500.0)
    assert not terminated


def test_reward_is_net_of_the_venue_costs() -> None:
    env = _tiny_env("realistic", reward="log")
    try:
        env.reset(seed=0)
        _, reward, _, _, _ = env.step(np.array([0.5], dtype=np.float32))
        (held,) = env.engine.ledger.positions()
        fees = env.engine.ledger.fees
    finally:
        env.close()
    # Equity by hand from the fill: cash paid the fill price and the fee.
    equity = Decimal(10_000) - held.qty * held.avg_entry_price - fees + held.qty * 110
    assert held.qty == 50
    assert held.avg_entry_price > 100  # slippage paid
    assert fees > 0
    assert reward == pytest.approx(np.log(float(equity) / 10_000), abs=1e-12)
    assert reward < np.log(1.05)  # costs were charged


def test_penalties_come_off_the_reward() -> None:
    plain, taxed = (
        _tiny_env("ideal", reward="simple"),
        _tiny_env("ideal", reward="simple", turnover_penalty=0.01),
    )
    try:
        plain.reset(seed=0)
        taxed.reset(seed=0)
        action = np.array([0.5], dtype=np.float32)
        _, r_plain, *_ = plain.step(action)
        _, r_taxed, *_ = taxed.step(action)
    finally:
        plain.close()
        taxed.close()
    assert r_taxed == pytest.approx(r_plain - 0.01 * 0.5)


def test_the_episode_ends_at_the_span_end() -> None:
    env = _tiny_env("ideal")
    try:
        env.reset(seed=0)
        flags = [env.step(np.zeros(1, dtype=np.float32))[2] for _ in range(3)]
        with pytest.raises(RuntimeError, match="after the episode ended"):
            env.step(np.zeros(1, dtype=np.float32))
    finally:
        env.close()
    assert flags == [False, False, True]


def test_close_removes_the_temporary_store() -> None:
    env = _tiny_env("ideal")
    env.reset(seed=0)
    folder = env.folder
    assert (folder / "episode.db").exists()
    env.close()
    assert not folder.exists()


def test_too_few_bars_for_an_episode_is_a_clear_error() -> None:
    from tradecore.domain.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="an episode needs"):
        TradingEnv([_tiny_frame()], FEATURES, episode_bars=10, calendar="24/7")


def test_a_lake_selection_gives_the_same_environment_as_its_frames(
    tmp_path: Path,
) -> None:
    import tradecore as tc
    from tradecore.adapters.data.lake import ParquetLake, day_span
    from tradecore.domain.market.lake import SeriesKey

    frames = _frames()
    with ParquetLake(tmp_path / "lake").writing() as lake:
        for f in frames:
            key = SeriesKey("iex", "raw", "1Min", f.symbol)
            lake.store(key, f, day_span(date(2024, 1, 2), date(2024, 1, 2)))
    selection = tc.open_lake(tmp_path / "lake").select(
        ["AAA", "BBB", "CCC"], date(2024, 1, 2), date(2024, 1, 2)
    )
    from_lake, from_frames = (
        _env(),
        TradingEnv(
            selection, FEATURES, episode_bars=30, warmup_bars=15, calendar="24/7"
        ),
    )
    try:
        np.testing.assert_array_equal(
            from_lake.reset(seed=2)[0], from_frames.reset(seed=2)[0]
        )
        assert from_lake.symbols == ("AAA", "BBB", "CCC")
    finally:
        from_lake.close()
        from_frames.close()


def test_an_environment_dropped_without_close_leaves_no_folder() -> None:
    import gc

    env = _tiny_env("ideal")
    env.reset(seed=0)
    folder = env.folder
    env._end_episode()  # the store's connection: what close() would also end
    del env
    gc.collect()
    assert not folder.exists()
