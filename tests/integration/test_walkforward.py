"""``tradecore-replay walkforward``: sweep each train window, trade the next test
window out of sample with the best, stitch the equity, report the degradation."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import tradecore as tc
from tests.integration.sweep_support import bar_folder, invoke, random_walk
from tradecore.domain.market.bar_frame import to_ns

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

HOURLY = timedelta(hours=1)
GRID = ("--grid", "fast=2,4", "--grid", "slow=8,12")


@pytest.fixture(scope="module")
def frames() -> list[tc.BarFrame]:
    return random_walk(24 * 40, seed=3, interval=HOURLY)  # 40 sessions (24/7)


def _run(tmp_path: Path, frames: list[tc.BarFrame], *extra: str) -> Path:
    bars = bar_folder(tmp_path, frames)
    out = tmp_path / "out"
    result = invoke(
        tmp_path, "walkforward", "--data", str(bars), "--calendar", "24/7", *GRID,
        "--train", "10d", "--test", "5d", "--embargo", "1d", "--out", str(out),
        "--quiet", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "degradation" in result.output
    return out


def _windows(out: Path) -> list[dict[str, str]]:
    with (out / "walkforward.csv").open() as f:
        return list(csv.DictReader(f))


@pytest.mark.heavy
def test_windows_are_sessions_and_the_oos_equity_is_stitched(
    tmp_path: Path, frames: list[tc.BarFrame]
) -> None:
    out = _run(tmp_path, frames)
    windows = _windows(out)
    # 40 sessions, train 10 + embargo 1 + test 5, test windows tiling: 5 windows.
    assert len(windows) == 5
    for i, w in enumerate(windows):
        train_first, train_last = (
            date.fromisoformat(w[k]) for k in ("train_first", "train_last")
        )
        test_first, test_last = (
            date.fromisoformat(w[k]) for k in ("test_first", "test_last")
        )
        assert (train_last - train_first).days == 9  # rolling: 10 sessions
        assert (test_first - train_last).days == 2  # one embargoed session between
        assert (test_last - test_first).days == 4
        assert train_first == date(2026, 1, 5) + timedelta(days=5 * i)
        assert w["params"] in {
            "fast=2;slow=8",
            "fast=2;slow=12",
            "fast=4;slow=8",
            "fast=4;slow=12",
        }
    with (out / "equity.csv").open() as f:
        curve = list(csv.DictReader(f))
    equity = [float(r["equity"]) for r in curve]
    assert equity[0] == 1_000_000.0
    stamps = [r["timestamp"] for r in curve]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    # No jump at a boundary: a window's first point is the previous one's last.
    for w in windows[1:]:
        k = stamps.index(f"{w['test_first']}T00:00:00+00:00")
        assert equity[k] == equity[k - 1]
    # Continuous: each window starts where the last one ended (returns chained).
    product = 1.0
    for w in windows:
        product *= 1.0 + float(w["oos_return"])
    assert equity[-1] == pytest.approx(1_000_000.0 * product, rel=1e-12)
    summary = json.loads((out / "walkforward.json").read_text())
    assert summary["stitched_return"] == pytest.approx(equity[-1] / equity[0] - 1)
    ratios = [float(w["oos_is_ratio"]) for w in windows if w["oos_is_ratio"]]
    assert summary["mean_oos_is_ratio"] == pytest.approx(sum(ratios) / len(ratios))
    report = (out / "report.md").read_text()
    assert "**Degradation**" in report
    assert report.count("| fast=") == 5
    # The same report as a page: both charts, the table, plotly.js inside (offline).
    page = (out / "walkforward.html").read_text()
    assert 'id="wf-windows"' in page
    assert 'id="wf-equity"' in page
    assert page.count("<td>fast=") == 5
    assert '<script src="http' not in page
    assert "Degradation" in page


@pytest.mark.heavy
def test_each_window_picks_in_sample_and_trades_out_of_sample(
    tmp_path: Path, frames: list[tc.BarFrame]
) -> None:
    out = _run(tmp_path, frames)
    first = _windows(out)[1]

    def bars(start: str, last: str) -> list[tc.BarFrame]:
        lo = to_ns(_midnight(start))
        hi = to_ns(_midnight(last) + timedelta(days=1))
        return [f.between(lo, hi) for f in frames]

    train = bars(first["train_first"], first["train_last"])
    table = tc.sweep(
        train, "sma_cross", {"fast": [2, 4], "slow": [8, 12]}, calendar="24/7"
    )
    best = table.loc[table["metric"].idxmax()]
    assert first["params"] == f"fast={best['fast']};slow={best['slow']}"
    assert float(first["is_metric"]) == best["metric"]
    test = bars(first["test_first"], first["test_last"])
    alone = tc.replay(
        test, "sma_cross", {"fast": int(best["fast"]), "slow": int(best["slow"])},
        calendar="24/7", out=tmp_path / "alone",
    )  # fmt: skip
    assert float(first["oos_sharpe"]) == alone.summary["sharpe"]


def _midnight(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.heavy
def test_anchored_windows_keep_their_start(
    tmp_path: Path, frames: list[tc.BarFrame]
) -> None:
    out = _run(tmp_path, frames, "--anchored")
    windows = _windows(out)
    assert {w["train_first"] for w in windows} == {"2026-01-05"}
    assert all(not math.isnan(float(w["oos_sharpe"])) for w in windows)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--train", "60x", "--test", "5d"], "--train '60x': give trading sessions"),
        (["--train", "60d", "--test", "20d"], "too few for one window"),
    ],
)
def test_bad_windows_are_one_line(
    tmp_path: Path, frames: list[tc.BarFrame], args: list[str], words: str
) -> None:
    bars = bar_folder(tmp_path, frames)
    result = invoke(
        tmp_path, "walkforward", "--data", str(bars), "--calendar", "24/7", *GRID,
        "--out", str(tmp_path / "out"), "--quiet", *args,
    )  # fmt: skip
    assert result.exit_code == 5, result.output
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1
