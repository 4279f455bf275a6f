"""``tradecore-replay run``'s progress bar: drawn in a terminal, never in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "bars"


def _cli(tmp_path: Path, *extra: str, force_terminal: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    if force_terminal:
        env["FORCE_COLOR"] = "1"  # rich draws as in a terminal
    argv = [
        sys.executable, "-m", "tradecore.apps.replay.main", "run", "--data",
        str(EXAMPLES), "--strategy", "sma_cross", "--param", "fast=3", "--param",
        "slow=8", "--param", "qty=10", "--out", str(tmp_path / "out"), "--force",
        *extra,
    ]  # fmt: skip
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.mark.heavy
def test_the_cli_bar_shows_in_a_terminal_only_and_obeys_no_progress(
    tmp_path: Path,
) -> None:
    assert "Replaying bars" in _cli(tmp_path, force_terminal=True)
    assert "Replaying bars" not in _cli(tmp_path, "--no-progress", force_terminal=True)
    piped = _cli(tmp_path, force_terminal=False)
    assert "Replaying bars" not in piped
    assert "\r" not in piped
