"""Protection on every path: an entry from flat carries a bracket; an entry that
cannot (adding to a position) gets a protective stop for each fill as it arrives;
the configured default protection applies to every entry; each decision records
what protection it got."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tradecore.adapters.sqlstore import open_store
from tradecore.apps.config.risk import RiskSettings
from tradecore.apps.replay.out_folder import STORE_FILE
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderType, Side
from tradecore.domain.strategies.protocol import PortfolioView, Protection, Target

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class Builder:
    """Buys 5 shares on the 2nd bar, 5 more on the 6th: an entry, then an add."""

    strategy_id = "builder"

    def __init__(self) -> None:
        self._bars = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        view: PortfolioView,
    ) -> Iterable[Target]:
        self._bars += 1
        if self._bars == 2:
            return [Target(symbol, Decimal(5), signal="enter")]
        if self._bars == 6:
            return [Target(symbol, Decimal(10), signal="add")]
        return []


def _run(tmp_path: Path) -> str:
    frames = generate_bars(["AAPL"], 30, start=START, seed=4)
    risk = RiskSettings(default_protection=Protection(stop_loss_bps=500))
    replay(
        frames,
        f"{__name__}:Builder",
        fill_model="ideal",
        out=tmp_path / "out",
        risk=risk,
    )
    return f"sqlite:///{tmp_path / 'out' / STORE_FILE}"


def test_every_filled_entry_is_protected_at_the_broker_within_one_cycle(
    tmp_path: Path,
) -> None:
    store = open_store(_run(tmp_path), durability="normal")
    try:
        with store.unit_of_work() as uow:
            intents = uow.intents.by_status(*IntentStatus)
            decisions = {d.decision_id: d for d in uow.decisions.all_decisions()}
            fills = uow.fills.all()
    finally:
        store.close()
    by_cid = {i.client_order_id: i for i in intents}
    notes = {
        d.details.get("client_order_id"): d.details.get("protection")
        for d in decisions.values()
    }
    entries = [
        i for i in intents if i.execution_policy not in ("protective", "bracket_leg")
    ]
    assert len(entries) == 2
    first, added = sorted(entries, key=lambda i: i.decided_at)
    # The bracket's legs the broker spoke of are stored as ours, tied to the entry.
    legs = [i for i in intents if i.execution_policy == "bracket_leg"]
    assert legs
    assert {leg.parent_client_order_id for leg in legs} == {first.client_order_id}
    assert {leg.spec.side for leg in legs} == {Side.SELL}
    # From flat: a bracket rests at the broker with the entry.
    assert first.spec.bracket is not None
    assert first.spec.bracket.stop_loss_stop is not None
    assert notes[first.client_order_id] == "bracket"
    # Adding to a position: no bracket, a protective stop for each fill instead.
    assert added.spec.bracket is None
    note = notes[added.client_order_id]
    assert isinstance(note, str)
    assert note.startswith("on fill: stop")
    added_fills = [f for f in fills if f.client_order_id == added.client_order_id]
    assert added_fills
    protective = [
        d
        for d in decisions.values()
        if d.details.get("protects") == added.client_order_id
    ]
    assert {d.details["execution_id"] for d in protective} == {
        f.execution_id for f in added_fills
    }
    stops = [i for i in intents if i.execution_policy == "protective"]
    assert len(stops) == len(added_fills)
    for stop, fill in zip(
        sorted(stops, key=lambda i: i.decided_at), added_fills, strict=True
    ):
        assert stop.spec.order_type is OrderType.STOP
        assert stop.spec.side is Side.SELL
        assert stop.spec.qty == fill.qty
        assert stop.spec.stop_price is not None
        assert stop.spec.stop_price < fill.price
        # Placed in the cycle the fill arrived in (bars are one minute apart).
        assert timedelta(0) <= stop.decided_at - fill.filled_at <= timedelta(minutes=1)
        assert stop.client_order_id in by_cid
