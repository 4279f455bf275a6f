"""``tradecore-replay regimes``: the regimes of a data set with persistence, the
transition matrix, every refit's parameters bound into a signed manifest, a page;
the same inputs give the same bytes; bad options are one line."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.data.lake import ParquetLake
from tradecore.adapters.signing.manifest_file import read_signed_manifest
from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.apps.replay.main import app
from tradecore.domain.market.lake import SeriesKey, TimeRange
from tradecore.domain.market.planted_regimes import planted_regime_bars

runner = CliRunner()
FILES = ("regimes.csv", "transitions.csv", "persistence.csv", "params.json")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    folder = tmp_path_factory.mktemp("bars")
    planted = planted_regime_bars(
        2400,
        seed=11,
        start=datetime(2026, 1, 5, tzinfo=UTC),
        calendar=demo_calendar(),
        mean_duration=300,
    )
    write_bar_files(folder, [planted.frame])
    return folder, planted.states


def _run(data: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(
        app,
        ["regimes", "--data", str(data), "--refit", "session", "--min-history",
         "300", "--out", str(out), *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def test_regimes_are_written_summarised_and_bound_to_the_manifest(
    data: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, planted = data
    output = _run(folder, tmp_path / "a")
    assert "REGM: 6 fits; state 0:" in output  # 7 sessions: a refit at each new one
    rows = list(
        csv.DictReader((tmp_path / "a" / "regimes.csv").read_text().splitlines())
    )
    assert len(rows) == len(planted)
    states = np.array([int(r["state"]) for r in rows])
    labelled = states >= 0
    assert (states[labelled] == planted[labelled]).mean() > 0.9
    transitions = list(
        csv.DictReader((tmp_path / "a" / "transitions.csv").read_text().splitlines())
    )
    assert [(t["from_state"], t["to_state"]) for t in transitions] == [
        ("0", "0"), ("0", "1"), ("1", "0"), ("1", "1"),
    ]  # fmt: skip
    assert float(transitions[0]["empirical"]) > 0.95  # regimes persist
    signed = read_signed_manifest(tmp_path / "a" / "manifest.json")
    params = (tmp_path / "a" / "params.json").read_bytes()
    digest = hashlib.sha256(params).hexdigest()
    assert signed.manifest.model_hash == digest
    assert any(s.fingerprint == digest for s in signed.manifest.data_sources)
    assert signed.manifest.parameters["refit"] == "session"
    page = (tmp_path / "a" / "regimes.html").read_text()
    assert 'id="regimes-0"' in page
    assert "<script src=" not in page  # plotly inlined: opens offline


def test_the_same_inputs_write_the_same_bytes(
    data: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, _ = data
    _run(folder, tmp_path / "a", "--refit", "600")
    _run(folder, tmp_path / "b", "--refit", "600")
    for name in (*FILES, "manifest.json", "regimes.html"):
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes(), name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--refit", "weekly"], "expected 'session' or a bar count"),
        (["--states", "1"], "regime states"),
    ],
)
def test_bad_options_are_one_line(
    data: tuple[Path, np.ndarray], tmp_path: Path, args: list[str], message: str
) -> None:
    folder, _ = data
    result = runner.invoke(
        app, ["regimes", "--data", str(folder), "--out", str(tmp_path), *args]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


FEATURES = """
[[feature]]
name = "p_high"
kind = "regime"
refit = "200"
min_history = 200

[[feature]]
name = "state"
kind = "regime"
output = "state"
refit = "session"
"""


def test_the_feature_leakage_check_passes_a_regime_feature_set(
    data: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    folder, _ = data
    declaration = tmp_path / "features.toml"
    declaration.write_text(FEATURES)
    result = runner.invoke(
        app,
        ["leakage", "--data", str(folder), "--features", str(declaration),
         "--cuts", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS")


def test_a_lake_selection_fits_one_model_for_the_market(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with ParquetLake(lake).writing() as held:
        for n, symbol in enumerate(("AAA", "BBB")):
            frame = planted_regime_bars(
                1600,
                seed=30 + n,
                start=datetime(2026, 1, 5, tzinfo=UTC),
                symbol=symbol,
                calendar=demo_calendar(),
            ).frame
            span = TimeRange(int(frame.timestamps[0]), int(frame.timestamps[-1]) + 1)
            held.store(SeriesKey("iex", "raw", "1Min", symbol), frame, span)
    result = runner.invoke(
        app,
        ["regimes", "--lake", str(lake), "--symbols", "AAA,BBB", "--start",
         "2026-01-05", "--end", "2026-01-10", "--market", "--refit", "400",
         "--min-history", "300", "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("MARKET: 4 fits;")
    rows = (tmp_path / "out" / "regimes.csv").read_text().splitlines()
    assert {line.split(",")[1] for line in rows[1:]} == {"MARKET"}
    assert len(rows) == 1 + 1600  # both symbols trade every bar time
