"""Walk-forward window lengths, and the sweep's progress bar (stderr, TTY only)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from tradecore.apps.replay.sweep_options import progress_bar
from tradecore.apps.replay.walkforward_run import parse_sessions, stitch
from tradecore.domain.errors import ConfigurationError


@pytest.mark.parametrize(("text", "sessions"), [("60d", 60), ("60", 60), (" 1d ", 1)])
def test_window_lengths_are_sessions(text: str, sessions: int) -> None:
    assert parse_sessions("--train", text) == sessions


@pytest.mark.parametrize("text", ["60x", "-1d", "2w", "d", "1.5d"])
def test_other_units_are_refused(text: str) -> None:
    with pytest.raises(ConfigurationError, match="trading sessions"):
        parse_sessions("--train", text)


def test_stitching_chains_returns() -> None:
    curves = [
        (np.array([1, 2]), np.array([100.0, 110.0])),
        (np.array([3, 4]), np.array([100.0, 90.0])),
    ]
    stamps, equity = stitch(curves, 1000.0)
    assert stamps.tolist() == [1, 2, 3, 4]
    assert equity.tolist() == [1000.0, 1100.0, 1100.0, 990.0]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_draws_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(False, "sweep") as report:
        report(3, 8)
    assert "3/8" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with progress_bar(True, "sweep") as report:
        report(3, 8)
    assert quiet.getvalue() == ""
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    with progress_bar(False, "sweep") as report:
        report(3, 8)
    assert piped.getvalue() == ""
