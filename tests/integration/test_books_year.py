"""A year of generated trading: the Form 8949 CSV reconciles to the ledger.

A replay over 2025's sessions (daily bars, three symbols, a trade most days) ends
flat, so every lot is closed: the average-cost ledger's realized P&L (the replay
summary's ``realized_pnl``, fees included) equals the tax CSV's proceeds less cost
basis plus the wash-sale adjustments (column g, code W), which is the CSV's
gain/loss column. The CSV's amounts are cents, so the sums agree within half a cent
per row.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.apps.live.main import app
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.datagen import generate_bars

NY = ZoneInfo("America/New_York")
STRATEGY = "tests.integration.books_strategy:Churn"


def test_a_years_tax_csv_reconciles_to_the_ledger_plus_wash_adjustments(
    tmp_path: Path,
) -> None:
    calendar = ExchangeCalendar("XNYS").schedule(date(2024, 12, 1), date(2026, 2, 1))
    sessions = calendar.sessions_between(date(2025, 1, 2), date(2025, 12, 31))
    frames = generate_bars(
        ["AAA", "BBB", "CCC"],
        len(sessions),
        start=datetime(2025, 1, 2, tzinfo=UTC),
        seed=11,
        interval=timedelta(days=1),
        calendar=calendar,
    )
    flat_from = to_ns(datetime.combine(date(2025, 12, 24), time(0), tzinfo=NY))
    out = tmp_path / "out"
    result = replay(
        frames,
        STRATEGY,
        {"flat_from_ns": flat_from},
        out=out,
        calendar=calendar,
        progress=False,
    )
    realized = Decimal(str(result.summary["realized_pnl"]))
    answer = CliRunner().invoke(
        app, ["books", "tax", "--year", "2025", "--db", str(out / "replay.db")]
    )
    assert answer.exit_code == 0, answer.output
    rows = list(csv.DictReader(io.StringIO(answer.output)))
    assert len(rows) > 300  # a trade most days, in three symbols

    def total(column: str) -> Decimal:
        return sum((Decimal(r[column] or "0") for r in rows), Decimal(0))

    washes = [r for r in rows if r["adjustment_code"] == "W"]
    assert len(washes) > 20
    assert total("adjustment_amount") > 0
    assert {r["term"] for r in rows} == {"short"}
    tolerance = Decimal("0.005") * len(rows)
    before_wash = total("proceeds") - total("cost_basis")
    assert abs(before_wash + total("adjustment_amount") - realized) <= 2 * tolerance
    assert abs(total("gain_loss") - realized) <= tolerance
    assert result.summary["fills"] > 300
