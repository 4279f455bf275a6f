"""The replay summary carries the research statistics (issue 22), computed from
the run's own equity curve and fills, and the manifest does not change."""

from __future__ import annotations

import csv
import json
import math
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradecore.apps.replay.main import app
from tradecore.apps.replay.records import FillRecord
from tradecore.domain.orders.spec import Side
from tradecore.domain.research.trades import round_trips, trade_statistics

#: The demo's manifest hash (a hash, not a secret: the scan flags long hex strings).
# pragma: allowlist nextline secret
DEMO_MANIFEST = "27aeb03bd541ac6f796ba03430b2417aabaa256b15523f5c9aafff1ebb6f0224"


def test_demo_summary_carries_the_research_statistics(tmp_path: Path) -> None:
    env = {"TRADECORE_DEV_KEY_DIR": str(tmp_path / "dev-key")}
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--demo", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["manifest_hash"] == DEMO_MANIFEST
    for key in ("psr", "psr_daily", "exposure", "win_rate"):
        assert 0.0 <= summary[key] <= 1.0, key
    assert summary["kurtosis"] >= 1.0
    for key in ("cagr", "annualized_volatility", "sortino", "calmar", "skew"):
        assert math.isfinite(summary[key]), key
    # A losing demo: negative CAGR and Calmar, profit factor below one.
    assert summary["cagr"] < 0
    assert summary["calmar"] < 0
    assert 0.0 < summary["profit_factor"] < 1.0
    with (out / "fills.csv").open() as f:
        fills = [
            FillRecord(
                symbol=row["symbol"],
                side=Side(row["side"]),
                qty=Decimal(row["qty"]),
                price=Decimal(row["price"]),
                fee=Decimal(row["fee"]),
                filled_at=datetime.fromisoformat(row["filled_at"]),
            )
            for row in csv.DictReader(f)
        ]
    trades = trade_statistics(round_trips(fills))
    assert summary["round_trips"] == trades.round_trips > 0
    assert summary["win_rate"] == pytest.approx(trades.win_rate, rel=1e-11)
