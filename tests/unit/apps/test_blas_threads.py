"""A single-threaded command asks OpenBLAS for one thread, before NumPy loads, and
never overrides a user's choice or a NumPy already loaded (issue 18: start-up)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from tradecore.apps.replay import main as replay
from tradecore.apps.wiring import blas_threads, commands
from tradecore.apps.wiring.blas_threads import VARIABLE, one_blas_thread


@pytest.fixture
def no_numpy_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "numpy", raising=False)
    _unset(monkeypatch)


def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the variable so that teardown restores the session's own value."""
    monkeypatch.setenv(VARIABLE, "recorded")  # remembers the value to restore
    monkeypatch.delenv(VARIABLE)


@pytest.mark.usefixtures("no_numpy_yet")
def test_one_thread_is_asked_for_before_numpy_loads() -> None:
    assert one_blas_thread()
    assert os.environ[VARIABLE] == "1"


@pytest.mark.usefixtures("no_numpy_yet")
def test_a_user_s_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, "4")
    assert not one_blas_thread()
    assert os.environ[VARIABLE] == "4"


def test_a_loaded_numpy_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    _unset(monkeypatch)
    assert sys.modules["numpy"] is np
    assert not one_blas_thread()
    assert VARIABLE not in os.environ


@pytest.mark.parametrize(
    ("argv", "asked"),
    [
        (["run", "--help"], True),
        (["walk-forward", "--help"], False),
        (["--help"], False),
    ],
)
def test_only_the_replay_s_run_command_asks(
    argv: list[str], asked: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(commands, "one_blas_thread", lambda: calls.append(True))
    with pytest.raises(SystemExit):
        replay.CLI.main(argv)
    assert calls == ([True] if asked else [])


def test_the_module_names_the_variable_openblas_reads() -> None:
    assert blas_threads.VARIABLE == "OPENBLAS_NUM_THREADS"
