"""The engine refuses a fourth same-day round trip under $25,000 (skipped(risk:pdt)).

A replay through the live risk path (``[risk]`` defaults: the PDT monitor on) on
XNYS minute bars of 2026-01-06, before FINRA retired the rule: the strategy buys 10
shares and sells them again, over and over. Under $25,000 of equity the first three
sells are day trades and pass; the fourth sell (and every later one) is refused by
the gate before it reaches the venue. With $30,000 every round trip goes through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tests.risk_support import audit_rows
from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.risk import RiskSettings
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.records import OutcomeRecord
from tradecore.domain.strategies.protocol import PortfolioView, Target


class InAndOut:
    """Target 10 shares on even bars and none on odd ones."""

    strategy_id = "in_and_out"

    def __init__(self) -> None:
        self._bars = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[Target]:
        self._bars += 1
        qty = 10 if self._bars % 2 else 0
        return (Target(symbol, Decimal(qty), signal=f"bar {self._bars}"),)


def _warnings(tmp_path: Path, cash: int) -> list[dict[str, object]]:
    rows = audit_rows(tmp_path / f"cash{cash}" / "replay.db", "alert")
    return [p for _, p in rows if p.get("code") == "risk.pdt_warning"]


def _run(tmp_path: Path, cash: int) -> tuple[list[OutcomeRecord], list[Fill]]:
    calendar = ExchangeCalendar("XNYS").schedule(date(2025, 12, 1), date(2026, 2, 1))
    frames = generate_bars(
        ["AAA"],
        16,
        start=datetime(2026, 1, 6, 14, 30, tzinfo=UTC),
        seed=3,
        interval=timedelta(minutes=5),
        calendar=calendar,
    )
    out = tmp_path / f"cash{cash}"
    replay(
        frames,
        InAndOut,
        out=out,
        cash=cash,
        calendar=calendar,
        risk=RiskSettings(),
        fill_model="ideal",
        progress=False,
    )
    store = open_store(f"sqlite:///{out / 'replay.db'}")
    try:
        with store.unit_of_work() as uow:
            return list(uow.decisions.all_outcomes()), list(uow.fills.all())
    finally:
        store.close()


def test_the_fourth_round_trip_is_refused_under_25000(tmp_path: Path) -> None:
    outcomes, fills = _run(tmp_path, 20_000)
    skipped = [o for o in outcomes if o.kind.value == "skipped"]
    assert skipped
    assert {o.reason for o in skipped} == {"risk:pdt"}  # the venue never refused
    assert skipped[0].details["day_trades"] == "3"
    assert skipped[0].details["min_equity"] == "25000"
    assert Decimal(str(skipped[0].details["equity"])) < 25_000
    sells = [f for f in fills if f.side.value == "sell"]
    assert len(sells) == 3  # three day trades went through, no fourth
    # After the refusal the position stays open: no further buys are needed.
    assert fills[-1].side.value == "buy"
    (warning,) = _warnings(tmp_path, 20_000)  # once, at the third day trade
    assert warning["context"] == {"day_trades": 3, "symbol": "AAA"}


def test_every_round_trip_passes_with_25000_or_more(tmp_path: Path) -> None:
    outcomes, fills = _run(tmp_path, 30_000)
    assert not [o for o in outcomes if o.reason == "risk:pdt"]
    assert len([f for f in fills if f.side.value == "sell"]) >= 6
    # The warning is about the count, whatever the equity.
    assert len(_warnings(tmp_path, 30_000)) == 1
