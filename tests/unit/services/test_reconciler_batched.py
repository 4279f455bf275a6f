"""Reconciliation reads in batches (issue 18): the number of reads does not grow with n.

A pass over n open intents makes one broker listing and a fixed number of store
reads; only an intent the listing does not show costs a lookup of its own. The
wrappers below count every call the reconciler (and the order manager it drives)
makes on the store's intents and on the broker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore import open_store
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.orders.order_manager import OrderManager
from tradecore.services.orders.reconciler import Reconciler

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
RESTING = OrderSpec(
    symbol="AAPL",
    side=Side.BUY,
    qty=Decimal(1),
    order_type=OrderType.LIMIT,
    limit_price=Decimal("1.00"),
)
MARKET = OrderSpec(symbol="AAPL", side=Side.BUY, qty=Decimal(1))


class Counting:
    """Forwards every call to ``inner`` and counts it by method name."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner = inner
        self._calls = calls

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[name] += 1
            return found(*args, **kwargs)

        return counted


class CountingUnit:
    """A unit of work whose intents repository counts its calls."""

    def __init__(self, inner: Any, calls: Counter[str]) -> None:
        self._inner = inner
        self._calls = calls
        self.intents: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> CountingUnit:
        self._inner.__enter__()
        self.intents = Counting(self._inner.intents, self._calls)
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)


class CountingStore:
    """A store whose units count the calls on their intents repository."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def unit_of_work(self) -> Any:
        return CountingUnit(self.inner.unit_of_work(), self.calls)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[CountingStore]:
    opened = CountingStore(open_store(f"sqlite:///{tmp_path / 'r.db'}", upgrade=True))
    yield opened
    opened.close()


def _intent(n: int, spec: OrderSpec) -> OrderIntent:
    key = DecisionKey(
        strategy_id="batch",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2026, 1, 5),
        horizon="1d",
        signal_hash=f"b{n}",
        qty=Decimal(1),
    )
    return mark_submitted(OrderIntent.create(key, spec, decided_at=T0), T0)


def _bar(broker: SimulatedBroker, clock: SimClock) -> None:
    broker.on_bar(
        Bar(symbol="AAPL", timestamp=clock.now(), open=100.0, high=101.0,
            low=99.0, close=100.0, volume=1e6)
    )  # fmt: skip


def _world(
    store: CountingStore, resting: int, filled: int
) -> tuple[Reconciler, Counter[str], Any]:
    """``resting`` open intents (every other one acknowledged) and ``filled`` more
    whose orders filled while no one applied the events; reads counted from here on.
    """
    clock = SimClock(T0)
    config = VenueConfig(
        seed=1,
        fill_model=FillModel.ideal(),
        calendar=MarketCalendar.always_open(),
        starting_cash=Decimal(10**9),
    )
    broker = SimulatedBroker(clock, config)
    _bar(broker, clock)
    intents = [_intent(n, RESTING) for n in range(resting)]
    intents += [_intent(resting + n, MARKET) for n in range(filled)]
    with store.inner.unit_of_work() as uow:
        for n, intent in enumerate(intents):
            stored = uow.intents.update(uow.intents.create(intent))
            order = broker.submit(intent.client_order_id, intent.spec)
            if n % 2 == 0:
                ack = OrderEvent(
                    kind=OrderEventKind.ACCEPTED,
                    client_order_id=intent.client_order_id,
                    occurred_at=T0,
                    broker_order_id=order.broker_order_id,
                )
                uow.intents.update(apply_event(stored, ack).intent)
        uow.commit()
    clock.advance(60)
    _bar(broker, clock)
    clock.advance(60)
    broker.poll_events()  # acks and fills happen at the broker; the store hears none
    broker_calls: Counter[str] = Counter()
    counted: Any = Counting(broker, broker_calls)
    commits = CommitEachStep(store)  # type: ignore[arg-type]
    manager = OrderManager(counted, clock, commits)
    return Reconciler(counted, clock, commits, manager), broker_calls, counted


def _pass(store: CountingStore, resting: int, filled: int) -> tuple[Counter[str], ...]:
    reconciler, broker_calls, _ = _world(store, resting, filled)
    store.calls.clear()
    report = reconciler.run()
    assert (report.checked, report.adopted) == (resting + filled, resting + filled)
    with store.inner.unit_of_work() as uow:
        statuses = Counter(i.status for i in uow.intents.by_status(*IntentStatus))
    expected = Counter({IntentStatus.ACKED: resting, IntentStatus.FILLED: filled})
    assert statuses == +expected
    return store.calls, broker_calls


@pytest.mark.parametrize("resting", [4, 40])
def test_a_pass_reads_the_open_intents_and_the_broker_once(
    store: CountingStore, resting: int
) -> None:
    intent_calls, broker_calls = _pass(store, resting, filled=0)
    assert intent_calls["find"] == intent_calls["get"] == 0
    assert intent_calls["open_intents"] == 1
    assert intent_calls["find_many"] <= 3
    assert intent_calls["statuses"] == 1
    assert broker_calls["open_orders"] == 1
    assert broker_calls["get_order_by_client_id"] == broker_calls["submit"] == 0


def test_only_an_intent_the_listing_does_not_show_is_looked_up(
    store: CountingStore,
) -> None:
    """Two orders filled (no longer open): two lookups, and still no per-intent read."""
    intent_calls, broker_calls = _pass(store, resting=10, filled=2)
    assert broker_calls["get_order_by_client_id"] == 2
    assert broker_calls["open_orders"] == 1
    assert intent_calls["find"] == intent_calls["get"] == 0


def test_an_intent_changed_during_the_pass_is_adopted_from_its_stored_row(
    store: CountingStore,
) -> None:
    """An event applied after the pass read the intent is built on, not overwritten."""
    reconciler, _, broker = _world(store, resting=2, filled=0)
    with store.inner.unit_of_work() as uow:
        submitted = [
            i for i in uow.intents.open_intents() if i.status is IntentStatus.SUBMITTED
        ]
    (late,) = submitted
    listing = broker.open_orders

    def open_orders_after_an_ack() -> Any:
        """The ack arrives (another unit applies it) while the pass is running."""
        order = next(o for o in listing() if o.client_order_id == late.client_order_id)
        with store.inner.unit_of_work() as uow:
            ack = OrderEvent(
                kind=OrderEventKind.ACCEPTED,
                client_order_id=late.client_order_id,
                occurred_at=T0,
                broker_order_id=order.broker_order_id,
                reason="stream",
            )
            uow.intents.update(apply_event(late, ack).intent)
            uow.commit()
        return listing()

    broker.open_orders = open_orders_after_an_ack
    report = reconciler.run()
    assert report.adopted == 2
    with store.inner.unit_of_work() as uow:
        after = uow.intents.get(late.client_order_id)
    assert (after.status, after.version) == (IntentStatus.ACKED, late.version + 1)


def test_the_acks_of_a_pass_are_written_in_one_batch(store: CountingStore) -> None:
    """Half of 40 resting intents were never acknowledged in the store: all 40 end
    ACKED (``_pass`` checks) through one update_many, not an update each."""
    intent_calls, _ = _pass(store, resting=40, filled=0)
    assert (intent_calls["update"], intent_calls["update_many"]) == (0, 1)
