"""Bracketed entries and their legs in the books: a regression of the demo's
Donchian/ATR breakout (stops as brackets; buying-power rejections retried smaller).

Two faults showed there. A retried bracket entry (the rejection handler's smaller
retry) was not remembered as bracketed, so the exit did not cancel its legs first
and Alpaca's rules refused it (``insufficient_qty_available``, the legs hold the
shares). And the legs' fills reached the engine's ledger but not the store: the
blotter (fills.csv), the fill count and anything rebuilt from stored fills did not
add up to the positions traded.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradecore.apps.config.risk import RiskSettings
from tradecore.apps.replay.demo_data import demo_calendar, demo_frames
from tradecore.apps.replay.runner import replay

_CASH = Decimal(1_000_000)


@pytest.fixture(scope="module")
def donchian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("donchian") / "run"
    replay(
        demo_frames(),
        "donchian_breakout",
        out=out,
        calendar=demo_calendar(),
        risk=RiskSettings(),
        cash=_CASH,
    )
    return out


def test_exits_of_retried_bracket_entries_are_not_refused(donchian: Path) -> None:
    summary = json.loads((donchian / "summary.json").read_text())
    refused = summary.get("refusals_by_reason", {})
    assert "broker_rules:insufficient_qty_available" not in refused, refused


def test_the_blotter_adds_up_to_the_final_equity(donchian: Path) -> None:
    """Every fill the ledger booked is in fills.csv: cash and positions from the
    blotter, marked at the last prices, give the summary's final equity."""
    cash, held = _CASH, dict[str, Decimal]()
    with (donchian / "fills.csv").open() as f:
        for row in csv.DictReader(f):
            sign = 1 if row["side"] == "buy" else -1
            qty, price = Decimal(row["qty"]), Decimal(row["price"])
            held[row["symbol"]] = held.get(row["symbol"], Decimal(0)) + sign * qty
            cash -= sign * qty * price + Decimal(row["fee"])
    marks = json.loads((donchian / "marks.json").read_text())
    equity = cash + sum(q * Decimal(marks[s]) for s, q in held.items())
    summary = json.loads((donchian / "summary.json").read_text())
    assert float(equity) == pytest.approx(float(summary["final_equity"]), abs=0.01)
    rows = (donchian / "fills.csv").read_text().splitlines()
    assert summary["fills"] == len(rows) - 1
