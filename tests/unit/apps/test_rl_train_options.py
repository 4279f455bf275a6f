"""``tradecore-replay rl train``'s bad input is one clear line and an exit code
(checked before any training, so no stable-baselines3 is needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.apps.replay.main import app
from tradecore.apps.wiring import errors

runner = CliRunner()


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        (("2026-01-05", "2026-01-07", "2026-01-06", "2026-01-08"), "--train-end <"),
        (("2026-01-05", "2026-01-06", "2026-01-07", "soon"), "--test-end 'soon'"),
    ],
)
def test_bad_spans_are_one_line(
    tmp_path: Path, spans: tuple[str, str, str, str], message: str
) -> None:
    features = tmp_path / "features.toml"
    features.write_text('[[feature]]\nname = "r"\nkind = "return"\nn = 2\n')
    train_start, train_end, test_start, test_end = spans
    result = runner.invoke(
        app,
        [
            "rl",
            "train",
            "--features",
            str(features),
            "--data",
            str(tmp_path),
            "--train-start",
            train_start,
            "--train-end",
            train_end,
            "--test-start",
            test_start,
            "--test-end",
            test_end,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == errors.CONFIG_OR_AUTH, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_reset_refuses_a_start_outside_the_data() -> None:
    from datetime import UTC, datetime

    from tradecore.apps.research.rl_env import TradingEnv
    from tradecore.domain.errors import ConfigurationError
    from tradecore.domain.features.declaration import parse_features
    from tradecore.domain.market.datagen import generate_bars

    frames = generate_bars(["AAA"], 40, start=datetime(2024, 1, 2, tzinfo=UTC), seed=1)
    fs = parse_features('[[feature]]\nname = "r"\nkind = "return"\nn = 2\n')
    env = TradingEnv(frames, fs, episode_bars=10, warmup_bars=5, calendar="24/7")
    try:
        with pytest.raises(ConfigurationError, match=r"expected 0\.\.24"):
            env.reset(seed=0, options={"start": 25})
        assert env.reset(seed=0, options={"start": 24})[0].shape == (1 + 1 + 4,)
    finally:
        env.close()
