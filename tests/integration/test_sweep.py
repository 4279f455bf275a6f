"""``tradecore-replay sweep``: every combination through the same engine; a table,
a heatmap, the deflated Sharpe of the best; resumable; invalid combinations kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import tradecore as tc
from tests.integration.sweep_support import bar_folder, invoke, random_walk
from tradecore.apps.replay.runner import replay

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def bars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bar_folder(tmp_path_factory.mktemp("sweep"), random_walk(1200))


def _sweep(tmp_path: Path, bars: Path, out: Path, *extra: str) -> str:
    result = invoke(
        tmp_path,
        "sweep",
        "--data", str(bars),
        "--calendar", "24/7",
        "--grid", "fast=2:6:2",
        "--grid", "slow=4,12",
        "--out", str(out),
        "--quiet",
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "sweep.csv").open() as f:
        return list(csv.DictReader(f))


def test_a_sweep_writes_table_summary_and_heatmap(tmp_path: Path, bars: Path) -> None:
    out = tmp_path / "out"
    output = _sweep(tmp_path, bars, out)
    rows = _rows(out)
    # The grid's order: fast outer, slow inner; fast >= slow refused, not run.
    assert [(r["fast"], r["slow"]) for r in rows] == [
        ("2", "4"), ("2", "12"), ("4", "4"), ("4", "12"), ("6", "4"), ("6", "12"),
    ]  # fmt: skip
    statuses = [r["status"] for r in rows]
    assert statuses == ["ok", "ok", "invalid", "ok", "invalid", "ok"]
    assert rows[2]["reason"] == "fast=4: must be below slow (4)"
    assert rows[2]["sharpe"] == ""
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["n_trials"] == 4
    assert summary["invalid"] == 2
    assert summary["verdict"] in ("not significant", "significant at 95%")
    ok = [r for r in rows if r["status"] == "ok"]
    best = max(ok, key=lambda r: float(r["metric"]))
    assert summary["best"]["params"] == {"fast": int(best["fast"]), "slow": 12}
    assert 0.0 <= summary["deflated_sharpe"] <= 1.0
    assert "plotly" in (out / "heatmap.html").read_text()
    assert "6 (4 replayed, 2 invalid, 0 failed)" in output


def test_each_combination_is_the_replay_run_would_do(
    tmp_path: Path, bars: Path
) -> None:
    out = tmp_path / "out"
    _sweep(tmp_path, bars, out)
    row = _rows(out)[3]  # fast=4, slow=12
    alone = replay(
        bars, "sma_cross", {"fast": 4, "slow": 12}, out=tmp_path / "one",
        calendar="24/7",
    )  # fmt: skip
    assert float(row["sharpe"]) == alone.summary["sharpe"]
    assert row["final_equity"] == repr(float(alone.summary["final_equity"]))
    assert int(row["fills"]) == alone.summary["fills"]


def test_a_rerun_skips_finished_combinations(tmp_path: Path, bars: Path) -> None:
    out = tmp_path / "out"
    first = _sweep(tmp_path, bars, out)
    table = (out / "sweep.csv").read_bytes()
    trials = sorted((out / "trials").glob("*.json"))
    assert len(trials) == 4  # one file per finished combination (invalid: none)
    assert "4 replayed" in first
    for done in trials[:2]:  # as if interrupted halfway
        done.unlink()
    second = _sweep(tmp_path, bars, out)
    assert "(2 replayed" in second
    assert (out / "sweep.csv").read_bytes() == table
    third = _sweep(tmp_path, bars, out)
    assert "(0 replayed" in third
    assert (out / "sweep.csv").read_bytes() == table


def test_a_folder_of_another_sweep_is_refused_unless_replaced(
    tmp_path: Path, bars: Path
) -> None:
    out = tmp_path / "out"
    _sweep(tmp_path, bars, out)
    other = [
        "sweep", "--data", str(bars), "--calendar", "24/7", "--grid", "fast=2,3",
        "--grid", "slow=12", "--out", str(out), "--quiet",
    ]  # fmt: skip
    refused = invoke(tmp_path, *other)
    assert refused.exit_code == 5
    assert "holds a different sweep" in refused.output
    replaced = invoke(tmp_path, *other, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert len(_rows(out)) == 2
    assert len(list((out / "trials").glob("*.json"))) == 2


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--grid", "fast="], 3, "grid='fast=': no values for fast"),
        (["--grid", "fast=a:b:1"], 3, "not a number"),
        (["--grid", "speed=2,3"], 5, "has no parameter speed"),
        (["--grid", "fast=2,3", "--workers", "0"], 5, "--workers 0"),
        (["--grid", "fast=2,3", "--heatmap", "fast,qty"], 5, "qty is not swept"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(
    tmp_path: Path, bars: Path, args: list[str], code: int, words: str
) -> None:
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), "--calendar", "24/7",
        "--out", str(tmp_path / "out"), "--quiet", *args,
    )  # fmt: skip
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "trials").exists()  # refused before any replay


def test_an_unknown_metric_is_a_usage_error_listing_the_metrics(
    tmp_path: Path, bars: Path
) -> None:
    """``--metric`` is a closed set: click refuses a value outside it (exit 2), in
    one ``Error:`` line that names the option and every metric."""
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), "--calendar", "24/7",
        "--out", str(tmp_path / "out"), "--quiet",
        "--grid", "fast=2,3", "--metric", "luck",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if "Error" in line]
    assert len(errors) == 1
    assert "'--metric'" in errors[0]
    assert "'luck' is not one of" in errors[0]
    assert "'sharpe'" in errors[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "trials").exists()


def test_tc_sweep_returns_the_csv_rows(
    tmp_path: Path, bars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path / "dev-key"))
    out = tmp_path / "api"
    table = tc.sweep(
        bars, "sma_cross", {"fast": "2:6:2", "slow": [4, 12]}, calendar="24/7",
        out=out,
    )  # fmt: skip
    rows = _rows(out)
    assert list(table.columns) == list(rows[0])
    assert table["status"].tolist() == [r["status"] for r in rows]
    assert table["fast"].tolist() == [int(r["fast"]) for r in rows]
    ok = table["status"] == "ok"
    assert table.loc[ok, "sharpe"].tolist() == [
        float(r["sharpe"]) for r in rows if r["status"] == "ok"
    ]
    assert table.attrs["sweep"] == json.loads((out / "sweep.json").read_text())
    # The CLI's sweep of the same grid is the same sweep: its folder is reused.
    assert "(0 replayed" in _sweep(tmp_path, bars, out)


def test_an_unknown_strategy_is_refused_before_any_replay(
    tmp_path: Path, bars: Path
) -> None:
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), "--calendar", "24/7",
        "--strategy", "no_such_strategy", "--grid", "fast=2,3",
        "--out", str(tmp_path / "out"), "--quiet",
    )  # fmt: skip
    assert result.exit_code == 5, result.output
    assert "no_such_strategy" in result.output
    assert not (tmp_path / "out" / "trials").exists()


@pytest.mark.heavy
def test_the_heatmap_is_self_contained_and_the_same_bytes(
    tmp_path: Path, bars: Path
) -> None:
    """No network to view it (plotly.js inside), and no random ids in it."""
    pages = []
    for name in ("a", "b"):
        _sweep(tmp_path, bars, tmp_path / name)
        pages.append((tmp_path / name / "heatmap.html").read_bytes())
    assert pages[0] == pages[1]
    assert b'<script src="http' not in pages[0]
    assert len(pages[0]) > 1_000_000  # plotly.js itself
    assert b'id="sweep-heatmap"' in pages[0]


@pytest.mark.heavy
def test_stress_replays_the_best_combination_and_compares(
    tmp_path: Path, bars: Path
) -> None:
    out = tmp_path / "out"
    output = _sweep(tmp_path, bars, out, "--stress", "costs=3x,spread=2x")
    with (out / "stress.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["scenario"] for r in rows] == [
        "base",
        "costs=3x",
        "spread=2x",
        "combined",
    ]
    summary = json.loads((out / "sweep.json").read_text())
    base = rows[0]
    # The base row is the best combination's own run: its Sharpe is the sweep's.
    # (stress.csv shows 6 significant digits)
    assert float(base["sharpe"]) == pytest.approx(summary["best"]["sharpe"], rel=1e-5)
    # Dearer fees and a wider spread can only cost the same trades money.
    assert float(rows[-1]["net_return"]) < float(base["net_return"])
    assert "stress: combined" in output


def test_a_bad_stress_item_is_refused_before_any_replay(
    tmp_path: Path, bars: Path
) -> None:
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), "--calendar", "24/7",
        "--grid", "fast=2,3", "--out", str(tmp_path / "out"), "--quiet",
        "--stress", "costs=lots",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "costs=lots" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "trials").exists()


def test_tc_optimize_sorts_best_first_and_honours_the_constraint(
    tmp_path: Path, bars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tc.optimize``: the sweep's rows best first; the constraint's refusals are
    recorded invalid and never replayed; a plotly heatmap of two parameters."""
    monkeypatch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path / "dev-key"))
    table, heatmap = tc.optimize(
        "sma_cross",
        {"fast": "2:6:2", "slow": [8, 12]},
        bars,
        maximize="sharpe",
        constraint=lambda p: p["slow"] - p["fast"] >= 6,
        calendar="24/7",
    )
    ran = table[table["status"] == "ok"]
    assert sorted(zip(ran["fast"], ran["slow"], strict=True)) == [
        (2, 8), (2, 12), (4, 12), (6, 12),
    ]  # fmt: skip
    assert ran["metric"].tolist() == sorted(ran["metric"], reverse=True)
    refused = table[table["status"] == "invalid"]
    assert sorted(zip(refused["fast"], refused["slow"], strict=True)) == [
        (4, 8), (6, 8),
    ]  # fmt: skip
    assert set(refused["reason"]) == {"refused by the constraint"}
    assert table.index[: len(ran)].tolist() == ran.index.tolist()  # ran first
    assert table.attrs["sweep"]["n_trials"] == 4
    best = table.attrs["sweep"]["best"]["params"]
    assert (best["fast"], best["slow"]) == (table["fast"][0], table["slow"][0])
    assert heatmap.data[0].type == "heatmap"
    assert list(heatmap.data[0].x) == ["2", "4", "6"]


def test_tc_optimize_minimizes_a_lower_is_better_metric(
    tmp_path: Path, bars: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path / "dev-key"))
    table, _ = tc.optimize(
        "sma_cross", {"fast": [2, 4], "slow": [12]}, bars,
        maximize="max_drawdown", calendar="24/7",
    )  # fmt: skip
    assert table["metric"].tolist() == sorted(table["metric"])
