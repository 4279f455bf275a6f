"""What the console's pages compute from the store: equity and drawdown, positions
and exposure, decisions explained, breaker inputs, component health."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from prometheus_client import CollectorRegistry

from tests.factories import intent
from tests.risk_support import sqlite_store
from tradecore.adapters.observability.http_server import ObservabilityServer
from tradecore.adapters.sim import SimClock
from tradecore.adapters.sqlstore.console_reads import ConsoleReads, Explained
from tradecore.apps.config.operations import ObservabilitySettings
from tradecore.apps.config.settings import Settings
from tradecore.apps.console import views
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import Side
from tradecore.ports.metrics import ComponentHealth
from tradecore.ports.store_records import PositionCheck

DAY = datetime(2026, 3, 3, tzinfo=UTC)


def _fill(
    n: int, symbol: str, side: Side, qty: str, price: str, at: datetime, fee: str = "0"
) -> Fill:
    return Fill(
        execution_id=f"x{n}",
        client_order_id=f"c{n}",
        symbol=symbol,
        side=side,
        qty=Decimal(qty),
        price=Decimal(price),
        fee=Decimal(fee),
        filled_at=at,
    )


FILLS = [
    _fill(1, "AAPL", Side.BUY, "10", "100", DAY - timedelta(hours=20)),  # yesterday
    _fill(2, "MSFT", Side.BUY, "10", "50", DAY + timedelta(hours=10), fee="1"),
    _fill(3, "AAPL", Side.SELL, "10", "110", DAY + timedelta(hours=11)),
    _fill(4, "MSFT", Side.SELL, "4", "45", DAY + timedelta(hours=12)),
]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[views.ConsoleEnv]:
    store = sqlite_store(tmp_path / "views.db")
    with store.unit_of_work() as uow:
        for n, fill in enumerate(FILLS, start=1):
            order = attrs.evolve(intent(), client_order_id=f"c{n}")
            uow.intents.create(order)
            uow.fills.record(fill)
        uow.positions.record_checks(
            [
                PositionCheck(
                    checked_at=DAY + timedelta(hours=12),
                    symbol="MSFT",
                    broker_qty=Decimal(6),
                    ledger_qty=Decimal(6),
                    healed_qty=Decimal(6),
                )
            ]
        )
        uow.controls.set_breaker("daily_loss", tripped=True, reason="loss 1200")
        uow.audit.append(
            "breaker_tripped", {"breaker": "daily_loss", "inputs": {"loss": "1200"}}
        )
        uow.commit()
    clock = SimClock(DAY + timedelta(hours=13))
    yield views.ConsoleEnv(Settings(), store, ConsoleReads(store.engine), clock)
    store.close()


def test_equity_today_is_pnl_after_each_fill_and_its_drawdown(
    env: views.ConsoleEnv,
) -> None:
    day = views.equity(env)
    # Opening: 10 AAPL bought at 100, marked at 100: 0. MSFT bought (fee 1): -1.
    # AAPL sold at 110: +100 -> 99. 4 MSFT sold at 45 (6 left, marked 45): -50 -> 49.
    assert [v for _, v in day["points"]] == [0, -1, 99, 49]
    assert day["pnl"] == Decimal(49)
    assert day["peak"] == Decimal(99)
    assert day["drawdown"] == Decimal(50)
    assert day["max_drawdown"] == Decimal(50)
    assert day["fills"] == 3
    assert len(day["svg"].split()) == 4


def test_positions_are_the_ledger_marked_at_last_fills(env: views.ConsoleEnv) -> None:
    page = views.positions(env)
    [msft] = page["rows"]
    assert (msft["symbol"], msft["qty"], msft["mark"]) == (
        "MSFT",
        Decimal(6),
        Decimal(45),
    )
    assert msft["unrealized"] == Decimal(-30)
    assert page["gross"] == page["net"] == Decimal(270)
    assert page["realized"] == Decimal(79)  # +100 AAPL, -20 on 4 MSFT, -1 fee
    assert [c.symbol for c in page["checks"]] == ["MSFT"]


def test_an_order_is_explained_from_its_decision() -> None:
    order = intent()
    decision = DecisionRecord(
        decision_id="d1",
        strategy_id="sma_cross",
        symbol="AAPL",
        decided_at=DAY,
        details={
            "target": "100",
            "position": "0",
            "price": "101.5",
            "sizing": {"kelly": "0.2"},
            "policy": {"cost": {"total_bps": 3.5}},
        },
    )
    row = views.explained(order, Explained(decision=decision, outcome=None))
    assert row["signal"] == "target 100 (held 0) at 101.5"
    assert row["sizing"] == '{"kelly": "0.2"}'
    assert row["predicted_bps"] == 3.5
    assert row["strategy"] == "sma_cross"
    bare = views.explained(order, None)
    assert (bare["signal"], bare["sizing"], bare["predicted_bps"]) == ("-", "-", None)


def test_the_overview_shows_a_tripped_breakers_inputs(env: views.ConsoleEnv) -> None:
    page = views.overview(env)
    assert [b.name for b in page["breakers"]] == ["daily_loss"]
    assert page["inputs"]["daily_loss"]["inputs"] == {"loss": "1200"}
    assert page["cycle"]["fills_today"] == 3
    assert page["health"]["trading process"]["ok"] is None  # nothing to ask


def _with_health(env: views.ConsoleEnv, port: int) -> views.ConsoleEnv:
    settings = attrs.evolve(
        env.settings, observability=ObservabilitySettings(port=port)
    )
    return attrs.evolve(env, settings=settings)


@pytest.mark.parametrize("broker_ok", [True, False])
def test_health_asks_the_trading_processs_health_endpoint(
    env: views.ConsoleEnv, broker_ok: bool
) -> None:
    checks = {"broker": lambda: ComponentHealth(ok=broker_ok, detail="reachable?")}
    server = ObservabilityServer(CollectorRegistry(), checks).start()
    try:
        found = views.health(_with_health(env, server.port))
    finally:
        server.stop()
    assert found["trading process"]["ok"] is broker_ok
    assert found["trading process"]["detail"] == ("ready" if broker_ok else "not ready")
    assert found["broker"] == {"ok": broker_ok, "detail": "reachable?"}


def test_health_says_when_the_trading_process_does_not_answer(
    env: views.ConsoleEnv,
) -> None:
    server = ObservabilityServer(CollectorRegistry(), {}).start()
    port = server.port
    server.stop()  # nothing listens there now
    found = views.health(_with_health(env, port))
    assert found["trading process"]["ok"] is False
    assert f"127.0.0.1:{port}" in found["trading process"]["detail"]
