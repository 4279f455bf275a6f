"""Selection bias, shown: on a driftless random walk (no edge to find) the best of
100 combinations has a high Sharpe ratio, and its deflated Sharpe ratio says that
is what the best of 100 tries looks like: not significant."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import tradecore as tc
from tests.integration.sweep_support import bar_folder, invoke, random_walk

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.mark.heavy
def test_the_best_of_100_on_a_random_walk_is_high_and_not_significant(
    tmp_path: Path,
) -> None:
    bars = bar_folder(tmp_path, random_walk(1500, seed=11))
    out = tmp_path / "out"
    result = invoke(
        tmp_path, "sweep", "--data", str(bars), "--calendar", "24/7",
        "--grid", "fast=2:11:1", "--grid", "slow=20:110:10",
        # Ideal fills: no spread to pay, so luck alone decides the best.
        "--fill-model", "ideal", "--workers", "2", "--out", str(out), "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "sweep.json").read_text())
    assert summary["combinations"] == summary["n_trials"] == 100
    best = summary["best"]
    assert best["sharpe"] > 3.0  # annualised: a backtest anyone would be pleased with
    # The expected maximum of 100 null trials (per period) is near the best found.
    assert summary["expected_max_sharpe"] > 0.5 * best["sharpe_per_period"] > 0
    assert summary["deflated_sharpe"] < 0.5
    assert summary["verdict"] == "not significant"
    with (out / "sweep.csv").open() as f:
        sharpes = [float(r["sharpe"]) for r in csv.DictReader(f)]
    assert max(sharpes) == best["sharpe"]
    assert sum(s > 0 for s in sharpes) < 50  # most combinations lose to fees
    assert "not significant" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("fill_model", ["ideal", "realistic"])
def test_no_random_walk_makes_the_best_significant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, fill_model: str
) -> None:
    monkeypatch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path / "dev-key"))
    table = tc.sweep(
        random_walk(3000, seed=seed), "sma_cross",
        {"fast": "2:11:1", "slow": "20:110:10"}, fill_model=fill_model,
        calendar="24/7", workers=2,
    )  # fmt: skip
    summary = table.attrs["sweep"]
    assert summary["n_trials"] == 100
    assert summary["verdict"] == "not significant"
