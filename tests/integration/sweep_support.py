"""Generated bar files and CLI helpers for the sweep and walk-forward tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner, Result

from tradecore.adapters.data import write_bar_files
from tradecore.apps.replay.main import app
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, tzinfo=UTC)


def random_walk(
    n_bars: int, seed: int = 11, interval: timedelta = timedelta(minutes=1)
) -> list[BarFrame]:
    """One symbol of driftless random-walk bars, around the clock (no edge)."""
    return generate_bars(["RW"], n_bars, start=START, seed=seed, interval=interval)


def bar_folder(tmp_path: Path, frames: list[BarFrame]) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, frames, fmt="parquet")
    return folder


def invoke(tmp_path: Path, *args: str) -> Result:
    env = {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev-key")}
    return CliRunner().invoke(app, list(args), env=env)
