"""``tradecore-replay run`` into an ``--out`` that already holds a replay.

The demo replaces a finished run of its own accord (the quick start is re-runnable),
any other run needs ``--force`` to replace one, and ``--resume`` finishes an
interrupted run exactly as before.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay.main import app
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.run_manifest import MANIFEST_FILE
from tradecore.apps.wiring.cost_models import MARKS_FILE
from tradecore.apps.wiring.errors import CONFIG_OR_AUTH
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
PARAMS = ["--param", "fast=3", "--param", "slow=8", "--param", "qty=10"]


@pytest.fixture(scope="module")
def bar_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bars")
    write_bar_files(folder, generate_bars(["AAA", "BBB"], 400, start=START, seed=5))
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, result.output


def _manifest_hash(out: Path) -> str:
    return str(json.loads((out / "summary.json").read_text())["manifest_hash"])


@pytest.mark.heavy
def test_a_second_demo_run_replaces_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first_code, first = _run("--demo", "--out", str(out))
    assert first_code == 0, first
    first_hash = _manifest_hash(out)
    second_code, second = _run("--demo", "--out", str(out))
    assert second_code == 0, second
    assert _manifest_hash(out) == first_hash
    assert first_hash in second


def test_a_finished_run_is_replaced_only_with_force(
    tmp_path: Path, bar_dir: Path
) -> None:
    out = tmp_path / "out"
    args = ["--data", str(bar_dir), *PARAMS, "--out", str(out)]
    code, output = _run(*args)
    assert code == 0, output
    summary = (out / "summary.json").read_bytes()

    code, output = _run(*args)
    assert code == CONFIG_OR_AUTH
    assert output == (
        f"error: {out} already holds a finished replay; pass --force to replace it "
        "or choose another --out\n"
    )

    code, output = _run(*args, "--force")
    assert code == 0, output
    assert (out / "summary.json").read_bytes() == summary


def test_force_leaves_files_that_are_not_the_replays(
    tmp_path: Path, bar_dir: Path
) -> None:
    out = tmp_path / "out"
    args = ["--data", str(bar_dir), *PARAMS, "--out", str(out)]
    assert _run(*args)[0] == 0
    (out / "notes.txt").write_text("mine")
    assert _run(*args, "--force")[0] == 0
    assert (out / "notes.txt").read_text() == "mine"


def test_resume_still_finishes_an_interrupted_run(
    tmp_path: Path, bar_dir: Path
) -> None:
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    args = ["--data", str(bar_dir), *PARAMS]
    assert _run(*args, "--out", str(whole))[0] == 0
    assert _run(*args, "--out", str(cut))[0] == 0
    # Interrupted before its last files: the store is there, the manifest is not.
    (cut / MANIFEST_FILE).unlink()
    (cut / MARKS_FILE).unlink()

    code, output = _run(*args, "--out", str(cut))
    assert code == CONFIG_OR_AUTH
    assert "unfinished replay (replay.db); pass --resume to finish it" in output

    code, output = _run(*args, "--out", str(cut), "--resume")
    assert code == 0, output
    assert (cut / "summary.json").read_bytes() == (whole / "summary.json").read_bytes()
    assert (cut / STORE_FILE).exists()
    assert (cut / MANIFEST_FILE).exists()


@pytest.mark.heavy
def test_resume_of_a_demo_is_not_a_replacement(tmp_path: Path) -> None:
    """``--demo --resume`` on a finished demo resumes (re-derives) it, as before."""
    out = tmp_path / "out"
    assert _run("--demo", "--out", str(out))[0] == 0
    first = (out / "summary.json").read_bytes()
    code, output = _run("--demo", "--out", str(out), "--resume")
    assert code == 0, output
    assert (out / "summary.json").read_bytes() == first


def test_force_and_resume_together_are_refused(tmp_path: Path, bar_dir: Path) -> None:
    out = tmp_path / "out"
    args = ["--data", str(bar_dir), *PARAMS, "--out", str(out)]
    code, output = _run(*args, "--force", "--resume")
    assert code == CONFIG_OR_AUTH
    assert "at most one of --resume and --force" in output
