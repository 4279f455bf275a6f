"""A 401/403 lockout fails closed: no new orders until it expires and re-auth passes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.calendars import xnys
from tests.risk_support import T0, RecordingAlerter, sqlite_store
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import SqlStore
from tradecore.domain.errors import AuthenticationFailed
from tradecore.domain.orders.account import AccountSnapshot
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.broker import BrokerOrder
from tradecore.services.controls.monitored_broker import MonitoredBroker
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep

LIMIT = OrderSpec(
    symbol="AAPL",
    side=Side.BUY,
    qty=Decimal(10),
    order_type=OrderType.LIMIT,
    limit_price=Decimal(1),
)


class KeyedBroker(SimulatedBroker):
    """Refuses every call while ``refusing``; counts what reached it."""

    def __init__(self, clock: SimClock) -> None:
        super().__init__(
            clock, VenueConfig(calendar=xnys(), seed=1, fill_model=FillModel.ideal())
        )
        self.refusing = False
        self.calls: list[str] = []

    def _gate(self, name: str) -> None:
        self.calls.append(name)
        if self.refusing:
            raise AuthenticationFailed("HTTP 401 unauthorized")

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        self._gate("submit")
        return super().submit(client_order_id, spec)

    def cancel(self, broker_order_id: str) -> None:
        self._gate("cancel")
        super().cancel(broker_order_id)

    def account(self) -> AccountSnapshot:
        self._gate("account")
        return super().account()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = sqlite_store(tmp_path / "lockout.db")
    yield opened
    opened.close()


def _monitored(
    store: SqlStore, clock: SimClock
) -> tuple[MonitoredBroker, KeyedBroker, RecordingAlerter]:
    inner, alerter = KeyedBroker(clock), RecordingAlerter()
    gate = RiskGate(PreTradeChecker(RiskLimits()), CommitEachStep(store), alerter)
    broker = MonitoredBroker(
        inner, gate, clock, alerter=alerter, lockout=timedelta(minutes=10)
    )
    return broker, inner, alerter


def test_no_order_reaches_the_broker_during_a_lockout_but_cancels_do(
    store: SqlStore,
) -> None:
    clock = SimClock(T0)
    broker, inner, _ = _monitored(store, clock)
    working = broker.submit("c-0", LIMIT)
    inner.refusing = True
    with pytest.raises(AuthenticationFailed, match="401"):
        broker.submit("c-1", LIMIT)
    inner.calls.clear()
    clock.advance(60)
    with pytest.raises(AuthenticationFailed, match=r"locked out .* until 2026"):
        broker.submit("c-2", LIMIT)
    with pytest.raises(AuthenticationFailed, match="locked out"):
        broker.replace(working.broker_order_id, client_order_id="c-3", qty=Decimal(5))
    assert inner.calls == []  # refused here: nothing was sent
    inner.refusing = False
    broker.cancel(working.broker_order_id)  # risk-reducing: still attempted
    assert inner.calls == ["cancel"]
    assert broker.lockout is not None  # a cancel is no re-auth check


def test_after_the_expiry_a_reauth_check_decides(store: SqlStore) -> None:
    clock = SimClock(T0)
    broker, inner, alerter = _monitored(store, clock)
    inner.refusing = True
    with pytest.raises(AuthenticationFailed):
        broker.submit("c-1", LIMIT)
    first = broker.lockout
    assert first is not None
    clock.advance(601)
    inner.calls.clear()
    with pytest.raises(AuthenticationFailed, match="401"):
        broker.submit("c-2", LIMIT)  # the check is refused: locked out again
    assert inner.calls == ["account"]
    assert broker.lockout is not None
    assert broker.lockout.until > first.until
    assert alerter.codes() == ["broker.lockout", "broker.lockout"]
    clock.advance(601)
    inner.refusing = False
    inner.calls.clear()
    ack = broker.submit("c-3", LIMIT)
    assert inner.calls == ["account", "submit"]
    assert ack.client_order_id == "c-3"
    assert broker.lockout is None
    broker.submit("c-4", LIMIT)
    assert inner.calls[-1] == "submit"
    assert inner.calls.count("account") == 1
