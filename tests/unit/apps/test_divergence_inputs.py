"""Reading a store's session for the divergence report, on SQLite and PostgreSQL.

Decisions, outcomes, intents (a rejected one, one with a slice under it) and fills
written through the Store port come back as :class:`DecisionSide` rows keyed by the
bar they were decided on; decisions of another session are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.contract.sql_support import migrated
from tests.factories import key
from tradecore.adapters.sqlstore import open_store
from tradecore.apps.replay import divergence_inputs as inputs
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.research.divergence import Execution

MINUTE = timedelta(minutes=1)
BAR = datetime(2026, 1, 5, 15, 6, tzinfo=UTC)
SESSION = date(2026, 1, 5)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield migrated(f"sqlite:///{tmp_path / 'live.db'}")
        return
    make: Callable[[], str] = request.getfixturevalue("postgres_databases")
    yield migrated(make())


def _intent(symbol: str, side: Side, qty: str, at: datetime, tag: str) -> OrderIntent:
    decision = key(
        strategy_id="sma", symbol=symbol, side=side, signal_hash=tag, qty=Decimal(qty)
    )
    spec = OrderSpec(symbol=symbol, side=side, qty=Decimal(qty))
    return OrderIntent.create(decision, spec, decided_at=at)


def _decision(symbol: str, at: datetime, position: str) -> DecisionRecord:
    return DecisionRecord.keyed(
        strategy_id="sma",
        symbol=symbol,
        decided_at=at,
        inputs_hash=f"{symbol}{at.isoformat()}",
        config_hash="cfg",
        details={"position": position},
    )


def _fill(intent: OrderIntent, qty: str, price: str, at: datetime) -> Fill:
    return Fill(
        execution_id=f"x-{intent.client_order_id[-8:]}-{qty}-{price}",
        client_order_id=intent.client_order_id,
        symbol=intent.spec.symbol,
        side=intent.spec.side,
        qty=Decimal(qty),
        price=Decimal(price),
        filled_at=at,
    )


def _write_day(url: str) -> dict[str, str]:
    """A bought-in-two-pieces AAPL order with a slice, a rejected MSFT order, a skip,
    and a decision of the next session."""
    decided = BAR + MINUTE
    buy = _intent("AAPL", Side.BUY, "5", decided, "a")
    child = attrs.evolve(
        _intent("AAPL", Side.BUY, "1", decided, "a-slice"),
        parent_client_order_id=buy.client_order_id,
    )
    rejected = attrs.evolve(
        _intent("MSFT", Side.BUY, "5", decided, "m"),
        status=IntentStatus.REJECTED,
        reason="insufficient buying power",
    )
    aapl, msft = _decision("AAPL", decided, "0"), _decision("MSFT", decided, "0")
    skip = _decision("AAPL", decided + 5 * MINUTE, "5")
    tomorrow = _decision("AAPL", decided + timedelta(days=1), "0")
    # 23:30 UTC on the 4th is 18:30 on the 4th in New York: the session before
    yesterday = _decision("AAPL", datetime(2026, 1, 4, 23, 30, tzinfo=UTC), "0")
    store = open_store(url, durability="normal")
    try:
        with store.unit_of_work() as uow:
            for intent in (buy, child, rejected):
                uow.intents.create(intent)
            for decision in (aapl, msft, skip, tomorrow, yesterday):
                uow.decisions.record_decision(decision)
            outcomes = [
                (aapl, OutcomeKind.SUBMITTED, buy.client_order_id, None),
                (
                    msft,
                    OutcomeKind.FAILED,
                    rejected.client_order_id,
                    "rejected:40310000",
                ),
                (skip, OutcomeKind.SKIPPED, None, "risk:max_position"),
            ]
            for record, kind, cid, reason in outcomes:
                uow.decisions.record_outcome(
                    OutcomeRecord(
                        decision_id=record.decision_id,
                        kind=kind,
                        recorded_at=record.decided_at,
                        client_order_id=cid,
                        reason=reason,
                    )
                )
            uow.fills.record(_fill(buy, "2", "100", decided))
            uow.fills.record(_fill(buy, "2", "101", decided + MINUTE))
            uow.fills.record(_fill(child, "1", "102", decided + 2 * MINUTE))
            uow.commit()
    finally:
        store.close()
    return {"buy": buy.client_order_id, "msft": rejected.client_order_id}


def test_a_session_is_read_as_sides_keyed_by_bar(store_url: str) -> None:
    _write_day(store_url)
    # live knew each minute's bar a second after it closed
    known = {
        s: [
            (BAR + (i + 1) * MINUTE + timedelta(seconds=1), BAR + i * MINUTE)
            for i in range(-2, 8)
        ]
        for s in ("AAPL", "MSFT")
    }
    day = inputs.read_day(store_url, SESSION, known, MINUTE)
    assert day.strategy_ids == frozenset({"sma"})
    assert day.config_hashes == frozenset({"cfg"})
    assert day.manifest_hashes == frozenset()
    sides = {(s.symbol, s.decided_at): s for s in day.sides}
    assert len(sides) == 3  # yesterday's and tomorrow's are other sessions
    decided = BAR + MINUTE
    buy = sides[("AAPL", decided)]
    # decided at 15:07:00, before the 15:06 bar arrived (15:07:01): the 15:05 bar
    assert buy.bar_at == BAR - MINUTE
    assert (buy.outcome, buy.side, buy.ordered_qty, buy.rejected) == (
        "submitted",
        "buy",
        Decimal(5),
        False,
    )
    assert buy.executions == (
        Execution(qty=Decimal(2), price=Decimal(100)),
        Execution(qty=Decimal(2), price=Decimal(101)),
        Execution(qty=Decimal(1), price=Decimal(102)),  # the slice's fill
    )
    assert buy.position == Decimal(0)
    msft = sides[("MSFT", decided)]
    assert (msft.outcome, msft.rejected, msft.reason) == (
        "failed",
        True,
        "rejected:40310000",
    )
    assert msft.executions == ()
    skip = sides[("AAPL", decided + 5 * MINUTE)]
    assert (skip.outcome, skip.reason, skip.side) == (
        "skipped",
        "risk:max_position",
        None,
    )
    assert skip.bar_at == BAR + 4 * MINUTE
    assert skip.position == Decimal(5)


def test_bars_known_by_close_and_by_arrival(tmp_path: Path) -> None:
    arrivals = {
        ("AAPL", BAR): BAR + MINUTE + timedelta(seconds=2),
        ("AAPL", BAR + MINUTE): BAR + 2 * MINUTE + timedelta(seconds=40),
    }
    lags = inputs.lags(arrivals, MINUTE)
    assert lags[("AAPL", BAR)].lag == timedelta(seconds=2)
    assert lags[("AAPL", BAR + MINUTE)].lag == timedelta(seconds=40)
    assert inputs.known_live(arrivals) == {
        "AAPL": [
            (BAR + MINUTE + timedelta(seconds=2), BAR),
            (BAR + 2 * MINUTE + timedelta(seconds=40), BAR + MINUTE),
        ]
    }


def test_store_urls_and_what_a_report_shows_of_them(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    db.write_bytes(b"")
    assert inputs.store_url(str(db)) == f"sqlite:///{db}"
    assert (
        inputs.store_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    )
    with pytest.raises(ConfigurationError, match="no such database file"):
        inputs.store_url(str(tmp_path / "missing.db"))
    shown = inputs.shown_url("postgresql+psycopg://trader:hunter2@db/live")
    assert "hunter2" not in shown
    assert shown == "postgresql+psycopg://trader:***@db/live"


def test_a_session_is_dated_in_new_york() -> None:
    assert inputs.session_start(SESSION) == datetime(2026, 1, 5, 5, 0, tzinfo=UTC)
    assert inputs.session_start(date(2026, 7, 6)) == datetime(
        2026, 7, 6, 4, 0, tzinfo=UTC
    )
    # 00:30 UTC on the 6th is 19:30 on the 5th in New York (EST)
    assert inputs.session_of(datetime(2026, 1, 6, 0, 30, tzinfo=UTC)) == SESSION
    # 13:30 UTC in July is 09:30 EDT, the same day
    assert inputs.session_of(datetime(2026, 7, 6, 13, 30, tzinfo=UTC)) == date(
        2026, 7, 6
    )
