"""Stress scenarios change the simulated venue (asserted on fills) and ``run --stress``
compares each with the base run."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.research_strategies import PlantedEdge, planted_frames
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay.main import app
from tradecore.apps.replay.runner import ReplayResult, replay
from tradecore.apps.wiring import errors
from tradecore.apps.wiring.calendars import calendars_between
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.stress import parse_item

runner = CliRunner()


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return calendars_between("XNYS", date(2026, 1, 1), date(2026, 3, 1)).regular


@pytest.fixture(scope="module")
def runs(
    calendar: MarketCalendar, tmp_path_factory: pytest.TempPathFactory
) -> dict[str | None, ReplayResult]:
    frames = planted_frames(["AAA"], 200, calendar, seed=1, edge=0.002)
    root = tmp_path_factory.mktemp("stress")
    return {
        item: replay(
            frames,
            PlantedEdge,
            {},
            calendar=calendar,
            out=root / str(item),
            stress=None if item is None else parse_item(item),
        )
        for item in (None, "costs=3x", "latency=+2s", "spread=4x", "rejects=50%")
    }


def _fees(fills: Sequence[object]) -> Decimal:
    return sum((Decimal(str(f["fee"])) for f in fills), Decimal(0))  # type: ignore[index]


def _buys(result: ReplayResult) -> list[Decimal]:
    return [Decimal(str(f["price"])) for f in result.fill_rows if f["side"] == "buy"]


def test_costs_multiply_the_fees_charged(runs: dict[str | None, ReplayResult]) -> None:
    base, stressed = runs[None], runs["costs=3x"]
    assert len(stressed.fill_rows) == len(base.fill_rows) > 0
    assert _fees(stressed.fill_rows) / _fees(base.fill_rows) == pytest.approx(
        3, rel=0.02
    )


def test_latency_delays_every_fill(runs: dict[str | None, ReplayResult]) -> None:
    base, late = runs[None].fill_rows, runs["latency=+2s"].fill_rows
    assert len(late) == len(base)
    delays = {
        (
            datetime.fromisoformat(str(b["filled_at"]))
            - datetime.fromisoformat(str(a["filled_at"]))
        ).total_seconds()
        for a, b in zip(base, late, strict=True)
    }
    assert delays == {2.0}


def test_a_wider_spread_makes_every_buy_dearer(
    runs: dict[str | None, ReplayResult],
) -> None:
    base, wide = _buys(runs[None]), _buys(runs["spread=4x"])
    assert len(wide) == len(base)
    assert all(w >= b for w, b in zip(wide, base, strict=True))
    assert sum(wide) > sum(base)


def test_rejects_leave_orders_unfilled(runs: dict[str | None, ReplayResult]) -> None:
    base, rejected = runs[None], runs["rejects=50%"]
    assert len(base.fill_rows) == 100
    assert 30 < len(rejected.fill_rows) < 80


def test_the_scenario_is_in_the_config_and_so_the_manifest(
    runs: dict[str | None, ReplayResult],
) -> None:
    hashes = {r.summary["manifest_hash"] for r in runs.values()}
    assert len(hashes) == len(runs)
    config = json.loads((runs["costs=3x"].out / "config.json").read_text())  # type: ignore[operator]
    assert config["stress"]["cost_multiplier"] == 3.0
    plain = json.loads((runs[None].out / "config.json").read_text())  # type: ignore[operator]
    assert "stress" not in plain


def test_run_stress_compares_each_scenario_and_all_combined_with_the_base(
    calendar: MarketCalendar, tmp_path: Path
) -> None:
    bars = tmp_path / "bars"
    write_bar_files(bars, planted_frames(["AAA"], 200, calendar, seed=1, edge=0.002))
    env = {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev")}
    out = tmp_path / "out"
    plain = runner.invoke(
        app, ["run", "--data", str(bars), "--out", str(tmp_path / "plain")], env=env
    )
    result = runner.invoke(
        app,
        [
            "run",
            "--data",
            str(bars),
            "--out",
            str(out),
            "--stress",
            "costs=3x,rejects=50%",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    with (out / "stress.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [r["scenario"] for r in rows] == [
        "base",
        "costs=3x",
        "rejects=50%",
        "combined",
    ]
    assert float(rows[1]["costs"]) > 2.5 * float(rows[0]["costs"])
    assert int(rows[2]["fills"]) < int(rows[0]["fills"])
    summary = json.loads((out / "summary.json").read_text())
    block = summary["stress"]
    assert [s["scenario"] for s in block["scenarios"]] == [
        "costs=3x",
        "rejects=50%",
        "combined",
    ]
    assert block["scenarios"][0]["delta_sharpe"] < 0
    assert "| combined |" in (out / "stress.md").read_text()
    assert (out / "stress" / "combined" / "manifest.json").is_file()
    # The base run is the run without --stress: same manifest.
    base = json.loads((tmp_path / "plain" / "summary.json").read_text())
    assert summary["manifest_hash"] == base["manifest_hash"]
    assert plain.exit_code == 0
    # Running the folder again without --stress leaves no stale comparison behind.
    (out / "promotion.json").write_text("{}")
    again = runner.invoke(
        app, ["run", "--data", str(bars), "--out", str(out), "--force"], env=env
    )
    assert again.exit_code == 0, again.output
    assert not (out / "stress.csv").exists()
    assert not (out / "stress").exists()
    assert not (out / "promotion.json").exists()
    assert "stress" not in json.loads((out / "summary.json").read_text())


def test_bad_stress_text_is_one_line_naming_the_item(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "run",
            "--demo",
            "--out",
            str(tmp_path / "x"),
            "--stress",
            "costs=3x,latency=5",
        ],
        env={"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev")},
    )
    assert result.exit_code == errors.DOMAIN
    assert "stress='latency=5': expected added latency such as +500ms" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x" / "summary.json").exists()
