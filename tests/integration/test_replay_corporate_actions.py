"""A replay holding through a 4-for-1 split and a cash dividend keeps its value.

Hand computation (cash 100,000; ideal fills, no fees; every bar flat at its price):
buy 100 AAA at 400 on 2026-01-06 (cash 60,000; equity 60,000 + 100 x 400 = 100,000);
4-for-1 split ex 2026-01-07: 400 shares at an average of 100, raw price 100 (equity
60,000 + 400 x 100 = 100,000); dividend 0.50 ex 2026-01-09: cash 60,000 + 400 x 0.50 =
60,200, raw price 99.50 (equity 60,200 + 400 x 99.50 = 100,000). Realized P&L: the
dividend, 200.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.integration import corporate_action_strategy
from tests.risk_support import sqlite_store
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.adapters.signing import read_signed_manifest
from tradecore.apps.replay.main import app
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring import errors
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.corporate_actions import CorporateAction

runner = CliRunner()
NY = ZoneInfo("America/New_York")
STRATEGY = "tests.integration.corporate_action_strategy:BuyAndHold"
DAYS = [date(2026, 1, d) for d in (5, 6, 7, 8, 9, 12, 13)]
PRICES = [400.0, 400.0, 100.0, 100.0, 99.5, 99.5, 99.5]
ACTIONS_CSV = (
    "symbol,kind,ex_date,ratio,cash,new_symbol\n"
    "AAA,forward_split,2026-01-07,4,,\n"
    "AAA,cash_dividend,2026-01-09,,0.50,\n"
)


def daily_frame(symbol: str, prices: list[float]) -> BarFrame:
    stamps = [to_ns(datetime.combine(d, time(0), tzinfo=NY)) for d in DAYS]
    p = np.array(prices)
    return BarFrame(
        symbol=symbol,
        timestamps=np.array(stamps, dtype=np.int64),
        open=p,
        high=p,
        low=p,
        close=p,
        volume=np.full(len(p), 1e6),
    )


@pytest.fixture
def bars(tmp_path: Path) -> Path:
    folder = tmp_path / "bars"
    write_bar_files(folder, [daily_frame("AAA", PRICES)])
    (folder / "corporate_actions.csv").write_text(ACTIONS_CSV)
    return folder


def _run(bars: Path, out: Path, *extra: str) -> str:
    corporate_action_strategy.SEEN.clear()
    result = runner.invoke(
        app,
        [
            "run",
            "--data",
            str(bars),
            "--out",
            str(out),
            "--strategy",
            STRATEGY,
            "--fill-model",
            "ideal",
            "--cash",
            "100000",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_holding_through_a_split_and_a_dividend_matches_the_hand_computation(
    bars: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    output = _run(bars, out)
    summary = json.loads((out / "summary.json").read_text())
    assert Decimal(summary["final_equity"]) == Decimal(100_000)
    assert Decimal(summary["realized_pnl"]) == Decimal(200)
    assert summary["corporate_actions"] == 2
    assert "corporate_actions: 2" in output
    marks = json.loads((out / "marks.json").read_text())
    assert marks == {"AAA": "99.50"}
    run = json.loads((out / "run.json").read_text())
    split, dividend = run["corporate_actions"]
    assert (split["qty_before"], split["qty_after"]) == ("100", "400")
    assert (dividend["qty_after"], dividend["cash"]) == ("400", "200.00")
    store = sqlite_store(out / STORE_FILE)
    try:
        with store.unit_of_work() as uow:
            [fill] = uow.fills.all()
    finally:
        store.close()
    assert (fill.qty, fill.price) == (Decimal(100), Decimal(400))


def test_the_engine_books_equal_the_brokers_and_equity_never_moves(
    bars: Path,
) -> None:
    result = replay(
        bars,
        STRATEGY,
        fill_model="ideal",
        cash=100_000,
        calendar="XNYS",
    )
    assert result.summary["final_equity"] == Decimal(100_000)
    # Sampled after every bar: the split and the dividend leave equity unchanged.
    assert set(result.equity.tolist()) == {100_000.0}


def test_actions_passed_in_code_and_the_manifest_records_them(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "bars"
    write_bar_files(folder, [daily_frame("AAA", PRICES)])
    actions = [
        CorporateAction.split("AAA", date(2026, 1, 7), 4, 1),
        CorporateAction.dividend("AAA", date(2026, 1, 9), Decimal("0.50")),
    ]
    out = tmp_path / "out"
    result = replay(
        folder,
        STRATEGY,
        fill_model="ideal",
        cash=100_000,
        out=out,
        corporate_actions=actions,
    )
    assert result.summary["final_equity"] == Decimal(100_000)
    manifest = read_signed_manifest(out / "manifest.json").manifest
    assert [s.name for s in manifest.data_sources] == ["bars/AAA", "corporate_actions"]
    config = json.loads((out / "config.json").read_text())
    assert config["corporate_actions"][0] == {
        "symbol": "AAA",
        "kind": "forward_split",
        "ex_date": "2026-01-07",
        "ratio": "4",
    }
    assert "adjustment" not in config


def test_the_strategy_sees_adjusted_prices_the_venue_trades_raw(
    bars: Path, tmp_path: Path
) -> None:
    """``--adjustment all``: every close seen is 400 / 4 x (1 - 0.50 / 100) = 99.50."""
    out = tmp_path / "out"
    _run(bars, out, "--adjustment", "all")
    seen = [round(c, 9) for _, _, c in corporate_action_strategy.SEEN]
    assert seen == [99.5] * len(DAYS)
    summary = json.loads((out / "summary.json").read_text())
    assert Decimal(summary["final_equity"]) == Decimal(100_000)
    config = json.loads((out / "config.json").read_text())
    assert config["adjustment"] == "all"


def test_raw_is_the_default_view(bars: Path, tmp_path: Path) -> None:
    _run(bars, tmp_path / "out")
    assert [c for _, _, c in corporate_action_strategy.SEEN] == PRICES


def test_a_corporate_actions_file_can_be_named(bars: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "actions.csv"
    (bars / "corporate_actions.csv").rename(elsewhere)
    out = tmp_path / "out"
    _run(bars, out, "--corporate-actions", str(elsewhere))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["corporate_actions"] == 2


def test_without_actions_nothing_is_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "bars"
    write_bar_files(folder, [daily_frame("AAA", [400.0] * len(DAYS))])
    out = tmp_path / "out"
    _run(folder, out)
    summary = json.loads((out / "summary.json").read_text())
    assert "corporate_actions" not in summary
    config = json.loads((out / "config.json").read_text())
    assert "corporate_actions" not in config
    manifest = read_signed_manifest(out / "manifest.json").manifest
    assert [s.name for s in manifest.data_sources] == ["bars/AAA"]


def test_bad_inputs_are_refused_before_anything_is_written(
    bars: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["run", "--data", str(bars), "--out", str(out), "--strategy", STRATEGY]
    result = runner.invoke(app, [*args, "--adjustment", "splits"])
    assert result.exit_code == 2  # a closed set: click's usage error
    assert "'splits' is not one of 'raw', 'split', 'dividend', 'all'" in result.output
    (bars / "corporate_actions.csv").write_text(
        "symbol,kind,ex_date,ratio,cash,new_symbol\nAAA,forward_split,2026-01-07,,,\n"
    )
    result = runner.invoke(app, args)
    assert result.exit_code == errors.DOMAIN
    assert "corporate_actions.csv line 2, field 'ratio'" in result.output
    assert not (out / "manifest.json").exists()
