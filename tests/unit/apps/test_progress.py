"""Progress bars: live in a terminal, silent in a pipe or file, off on request."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tests.calendars import xnys
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring.progress import progress_bar, shows_progress
from tradecore.domain.market.datagen import generate_bars


def _drive(stream: io.StringIO, *, enabled: bool = True) -> str:
    with progress_bar("Replaying bars", enabled=enabled, file=stream) as update:
        for done in range(11):
            update(done, 10)
    return stream.getvalue()


def test_nothing_is_drawn_when_the_output_is_not_a_terminal() -> None:
    stream = io.StringIO()
    assert not shows_progress(stream)
    assert _drive(stream) == ""


def test_a_terminal_gets_a_live_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: treat the stream as a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    assert shows_progress(stream)
    text = _drive(stream)
    assert "Replaying bars" in text
    assert "10/10" in text
    assert "\r" in text  # redrawn in place


def test_disabled_draws_nothing_even_in_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert _drive(io.StringIO(), enabled=False) == ""


def test_replay_still_calls_on_progress_beside_the_bar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    frames = generate_bars(
        ["AAA"], 300, start=datetime(2025, 1, 6, 14, 30, tzinfo=UTC), seed=3,
        calendar=xnys(),
    )  # fmt: skip
    seen: list[tuple[int, int]] = []
    with replay(
        frames, "sma_cross", {"fast": 3, "slow": 8, "qty": 1},
        on_progress=lambda p: seen.append((p.done, p.total)),
    ):  # fmt: skip
        pass
    assert seen
    assert {total for _, total in seen} == {300}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert "\r" not in capsys.readouterr().err  # stderr is captured: not a terminal
