"""The events path's shortcuts answer as the general paths they stand for.

:func:`~tradecore.domain.orders.intent.apply_event_at_version` applies an event
with the changed intent built at a given version (a fill's in one copy): for any
intent (moved by any events), any next event and any version, it is
:func:`~tradecore.domain.orders.intent.apply_event`'s answer with that version
set on the changed intent (an ignored event's intent as it is), or the same
error. The write-behind mirror's ``update_by_event`` stores what applying and
then ``update`` store. The day-trade monitor's count for a fill that makes a day
trade is its ``count`` at the fill. The replay driver's catch-up, asking the broker
what happened and what comes next in one call, shows the engine the batches, at
the clock times, that asking for the next due time and then the events shows. A
market order ready at a bar's start matches alike on the bar's opening path (its
open) and on its whole intrabar path. The day-trade count's and the ledger's
sign tests against a Decimal zero answer as the int zero's, and a price's tick
against a Decimal dollar as against the int. The risk gate, entering a batch's
cycle only when time passed it, counts fills at the times ``_enter`` gives.
Each test fails if a shortcut drops a field, versions an
ignored event or raises another error.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import intent
from tests.property.sim_flow import SYMBOLS, _request, make_broker, random_steps
from tests.property.test_intent_trusted_moves import ORDER_QTY, _event, event_specs
from tests.risk_support import T0 as RISK_T0
from tests.risk_support import RecordingAlerter, sqlite_store
from tradecore.adapters.calendar import ExchangeCalendar
from tradecore.adapters.sim import SimClock, SimulatedBroker
from tradecore.adapters.sqlstore.memory import IntentMirror
from tradecore.domain.broker_rules.day_trading import after_fill, is_day_trade
from tradecore.domain.errors import (
    BrokerError,
    ConcurrencyConflict,
    IllegalTransition,
    InvalidInput,
    Overfill,
)
from tradecore.domain.frozen import trusted_replace
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import (
    Applied,
    OrderIntent,
    apply_event,
    apply_event_at_version,
)
from tradecore.domain.orders.ledger import Ledger, _roll
from tradecore.domain.orders.money import CENT, SUB_PENNY, price_increment
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.limits import RiskLimits
from tradecore.domain.risk.pdt import DayTradeMonitor, PdtLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.matching import match_order, ohlc_path, opening_path
from tradecore.domain.venue.sim_order import SimOrder
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.trading.replay import _catch_up

_REFUSALS = (IllegalTransition, Overfill, InvalidInput)


def _moved(specs: list) -> OrderIntent:
    """An intent moved by the events ``specs`` describe (refused ones skipped)."""
    current = intent(qty=Decimal(ORDER_QTY))
    for spec in specs:
        with contextlib.suppress(*_REFUSALS):
            current = apply_event(current, _event(current, spec)).intent
    return current


def _fields(value: object) -> dict[str, object]:
    return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}


def _expected(applied: Applied, version: int | None) -> Applied:
    if version is None or applied.ignored is not None:
        return applied
    return attrs.evolve(
        applied, intent=trusted_replace(applied.intent, version=version)
    )


@given(event_specs, event_specs, st.one_of(st.none(), st.integers(0, 60)))
def test_applying_at_a_version_is_applying_then_the_version(
    specs: list, nexts: list, version: int | None
) -> None:
    """The same Applied (the changed intent at ``version``), or the same error."""
    base = _moved(specs)
    for spec in nexts:
        event = _event(base, spec)
        try:
            general = apply_event(base, event)
        except _REFUSALS as e:
            with pytest.raises(type(e)):
                apply_event_at_version(base, event, version)
            continue
        shortcut = apply_event_at_version(base, event, version)
        expected = _expected(general, version)
        assert type(shortcut.intent) is OrderIntent
        assert _fields(shortcut.intent) == _fields(expected.intent)
        assert shortcut.new_fill == expected.new_fill
        assert shortcut.ignored == expected.ignored
        assert shortcut.overruled == expected.overruled
        base = general.intent


@given(event_specs, event_specs, st.integers(-1, 1))
def test_the_mirror_stores_by_event_what_update_stores(
    specs: list, nexts: list, stale: int
) -> None:
    """``update_by_event`` answers and stores as ``apply_event`` then ``update``
    (a version the row is not at conflicts, as ``update`` does)."""
    base = _moved(specs)
    stored = trusted_replace(base, version=5)
    general_store, shortcut_store = IntentMirror([stored]), IntentMirror([stored])
    read = trusted_replace(stored, version=stored.version + stale)
    for spec in nexts:
        event = _event(read, spec)
        try:
            general = apply_event(read, event)
            if general.ignored is None:
                general = attrs.evolve(
                    general, intent=general_store.update(general.intent)
                )
        except (*_REFUSALS, ConcurrencyConflict) as e:
            with pytest.raises(type(e)):
                shortcut_store.update_by_event(read, event)
            return
        shortcut = shortcut_store.update_by_event(read, event)
        assert _fields(shortcut.intent) == _fields(general.intent)
        assert (shortcut.new_fill, shortcut.ignored, shortcut.overruled) == (
            general.new_fill,
            general.ignored,
            general.overruled,
        )
        cid = read.client_order_id
        assert _fields(shortcut_store.get(cid)) == _fields(general_store.get(cid))
        read = general.intent


@pytest.fixture(scope="module")
def xnys() -> MarketCalendar:
    return ExchangeCalendar("XNYS").schedule(date(2026, 1, 2), date(2026, 3, 31))


_fills = st.lists(
    st.tuples(
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(0, 20),  # days after 2026-01-05
        st.integers(12, 23),  # UTC hour: before, in and after the session
        st.integers(1, 30),  # qty
        st.integers(0, 6),  # client order id (repeats: one order's several fills)
    ),
    max_size=40,
)


@given(fills=_fills, broker=st.one_of(st.none(), st.integers(0, 6)))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_day_trades_count_is_count_at_the_fill(
    xnys: MarketCalendar, fills: list, broker: int | None
) -> None:
    """What ``DayTradeMonitor.on_fill`` returns for a new day trade is
    ``count(fill.filled_at)`` asked right after (it counts without rolling again)."""
    monitor = DayTradeMonitor(PdtLimits(), xnys)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    if broker is not None:
        monitor.broker_report(start, broker, flagged=False)
    at = start
    for n, (side, days, hour, qty, order) in enumerate(fills):
        at = max(at, start + timedelta(days=days, hours=hour))
        fill = Fill(
            execution_id=f"x{n}",
            client_order_id=f"c{order}-{days}",
            symbol="AAPL",
            side=side,
            qty=Decimal(qty),
            price=Decimal(100),
            filled_at=at,
        )
        made = monitor.on_fill(fill)
        if made is not None:
            assert made == monitor.count(fill.filled_at)


class _Recorder:
    """An engine that records each batch with the clock's time when it came."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.batches: list[tuple[datetime, list[OrderEvent]]] = []

    def on_events(self, events: Iterable[OrderEvent]) -> None:
        self.batches.append((self.clock.now(), list(events)))


def _catch_up_by_polls(
    clock: SimClock, broker: SimulatedBroker, engine: _Recorder, to: datetime
) -> None:
    """The driver's catch-up as it asked before ``poll_until_next``: when the next
    event is due, then (the clock there) the events, then the rest at ``to``."""
    while True:
        due = broker.next_event_at()
        if due is None or due > to:
            break
        clock.advance_to(due)
        engine.on_events(broker.poll_events())
    clock.advance_to(to)
    if events := broker.poll_events():
        engine.on_events(events)


def _drive(
    steps: list, model: FillModel, catch_up: Callable[..., None]
) -> tuple[list[tuple[datetime, list[OrderEvent]]], list[str]]:
    """Run ``steps`` on a fresh broker, catching up by ``catch_up`` after each bar
    and at the end; the batches the engine saw, and the venue's books."""
    broker, clock = make_broker(7, model)
    engine = _Recorder(clock)
    placed: list[str] = []
    last = dict.fromkeys(SYMBOLS, 100.0)
    for n, step in enumerate(steps):
        if step[0] == "bar":
            _, symbol, o, h, low, c, volume = step
            broker.on_bar(
                Bar(
                    symbol=symbol,
                    timestamp=clock.now(),
                    open=o,
                    high=h,
                    low=low,
                    close=c,
                    volume=volume,
                )
            )
            last[symbol] = c
            catch_up(clock, broker, engine, clock.now() + timedelta(minutes=1))
            continue
        with contextlib.suppress(BrokerError):
            _request(broker, step, n, placed, last)
    catch_up(clock, broker, engine, clock.now() + timedelta(hours=8))
    books = [repr(broker.venue.ledger), repr(broker.open_orders())]
    return engine.batches, books


@given(
    st.integers(0, 10_000),
    st.integers(20, 160),
    st.sampled_from(["ideal", "realistic"]),
)
@settings(max_examples=40, deadline=None)
def test_catching_up_in_one_question_is_catching_up_by_polls(
    flow_seed: int, n: int, model: str
) -> None:
    """The replay's catch-up shows the engine the same batches, at the same clock
    times, and leaves the venue with the same books as asking the broker for the
    next due time and then for the events (as the driver did)."""
    steps = random_steps(flow_seed, n)
    fill_model = FillModel.ideal() if model == "ideal" else FillModel.realistic()
    assert _drive(steps, fill_model, _catch_up) == _drive(
        steps, fill_model, _catch_up_by_polls
    )


_prices = st.floats(1.0, 1000.0, allow_nan=False)


@given(
    st.tuples(_prices, _prices, _prices, _prices),
    st.floats(0.0, 1e6),  # volume
    st.sampled_from(list(Side)),
    st.integers(1, 5_000),  # qty
    st.sampled_from(["ideal", "realistic"]),
    st.one_of(st.just(math.inf), st.floats(0.0, 1e6)),  # liquidity left
)
def test_a_market_order_at_the_open_matches_alike_on_the_opening_path(
    corners: tuple[float, float, float, float],
    volume: float,
    side: Side,
    qty: int,
    model: str,
    liquidity: float,
) -> None:
    """A market order ready at the bar's start gets the same match on
    ``opening_path`` (the open at 0) as on the whole ``ohlc_path``."""
    _, b, c, _ = corners
    bar = Bar(
        symbol="AAA",
        timestamp=datetime(2024, 1, 2, 15, tzinfo=UTC),
        open=b,
        high=max(corners),
        low=min(corners),
        close=c,
        volume=volume,
    )
    order = SimOrder(
        broker_order_id="b-1",
        client_order_id="c-1",
        spec=OrderSpec(symbol="AAA", side=side, qty=Decimal(qty)),
        qty=Decimal(qty),
        status=BrokerOrderStatus.NEW,
        submitted_at=bar.timestamp,
        updated_at=bar.timestamp,
        ready_at=bar.timestamp,
    )
    fills = FillModel.ideal() if model == "ideal" else FillModel.realistic()
    full = match_order(fills, order, bar, ohlc_path(bar), None, 0.0, liquidity)
    assert (
        match_order(fills, order, bar, opening_path(bar), None, 0.0, liquidity) == full
    )


def _after_fill_by_ints(
    opened: Decimal, before: Decimal, signed: Decimal
) -> tuple[Decimal, bool]:
    """``after_fill`` as spelled with int zeros (before the Decimal zero)."""
    closing = min(abs(signed), abs(before)) if before * signed < 0 else Decimal(0)
    day_trade = False
    if closing and opened * signed < 0:
        closed_today = min(closing, abs(opened))
        opened += closed_today if opened < 0 else -closed_today
        day_trade = True
    rest = abs(signed) - closing
    if rest:
        opened += rest if signed > 0 else -rest
    return opened, day_trade


def _roll_by_ints(
    qty: Decimal, basis: Decimal, delta: Decimal, price: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """``ledger._roll`` as spelled with int zeros (before the Decimal zero)."""
    if qty == 0 or (qty > 0) == (delta > 0):
        return qty + delta, basis + delta * price, Decimal(0)
    held = abs(qty)
    closed = min(abs(delta), held)
    removed = (
        basis if closed == held else (basis * closed / held).quantize(Decimal("1e-10"))
    )
    direction = 1 if qty > 0 else -1
    realized = closed * direction * price - removed
    total = qty + delta
    opened = total if (total != 0 and (total > 0) != (qty > 0)) else Decimal(0)
    return total, basis - removed + opened * price, realized


_shares = st.decimals(min_value=-500, max_value=500, places=3, allow_nan=False)
_nonzero_shares = _shares.filter(lambda d: d != 0)


@given(_shares, _shares, _nonzero_shares)
def test_a_day_trade_is_counted_as_with_int_zeros(
    opened: Decimal, before: Decimal, signed: Decimal
) -> None:
    """``after_fill``'s signs, tested against a Decimal zero, answer as the int's."""
    assert after_fill(opened, before, signed) == _after_fill_by_ints(
        opened, before, signed
    )
    spec = OrderSpec(
        symbol="AAA", side=Side.BUY if signed > 0 else Side.SELL, qty=Decimal(1)
    )
    expected = (opened > 0 and spec.side is Side.SELL) or (
        opened < 0 and spec.side is Side.BUY
    )
    assert is_day_trade(spec, opened) is expected


@given(
    _shares,
    st.decimals(min_value=-50_000, max_value=50_000, places=4, allow_nan=False),
    _nonzero_shares,
    st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
)
def test_a_holding_rolls_as_with_int_zeros(
    qty: Decimal, basis: Decimal, delta: Decimal, price: Decimal
) -> None:
    """The ledger's roll, its signs tested against a Decimal zero, gives the int
    spelling's quantity, basis and realized P&L (value and sign of zero alike)."""
    got, expected = (
        _roll(qty, basis, delta, price),
        _roll_by_ints(qty, basis, delta, price),
    )
    assert got == expected
    assert [str(x) for x in got] == [str(x) for x in expected]


@given(
    st.one_of(
        st.decimals(allow_nan=False),
        st.floats(allow_nan=False),
        st.sampled_from([Decimal(1), Decimal("0.9999"), Decimal("1.0000"), 1.0]),
    )
)
def test_the_tick_is_chosen_as_with_an_int_dollar(price: Decimal) -> None:
    """``price_increment`` against a Decimal dollar answers as against the int."""
    assert price_increment(price) is (CENT if price >= 1 else SUB_PENNY)


class _RecordingGate(RiskGate):
    """A gate that records the time each new fill is counted at."""

    counted: list[tuple[str, datetime]]

    def _on_fill(self, fill: Fill, at: datetime) -> None:
        self.counted.append((fill.execution_id, at))
        super()._on_fill(fill, at)


class _EnteringGate(_RecordingGate):
    """The gate as it took a batch before the shortcut: always through ``_enter``."""

    def on_events(self, events: Iterable[OrderEvent], at: datetime) -> None:
        at = self._enter(at)
        counts_results = self._rejects is not None
        for event in events:
            if counts_results and event.kind in (
                OrderEventKind.ACCEPTED,
                OrderEventKind.REJECTED,
            ):
                self._order_result(at, failed=event.kind is OrderEventKind.REJECTED)
            if event.fill is not None:
                self._on_fill(event.fill, at)


_gate_steps = st.lists(
    st.tuples(
        st.sampled_from(["bar", "events"]),
        st.integers(-30, 600),  # seconds after T0 (a clock may step back)
        st.booleans(),  # the batch carries a fill
        st.sampled_from([Side.BUY, Side.SELL]),
    ),
    min_size=1,
    max_size=25,
)


@given(_gate_steps)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_a_batch_enters_its_cycle_as_enter_does(
    tmp_path_factory: pytest.TempPathFactory, xnys: MarketCalendar, steps: list
) -> None:
    """A gate that enters a batch's cycle only when time passed it counts every
    fill at the time, and leaves the cycle where, ``_enter`` does."""
    folder = tmp_path_factory.mktemp("gates")
    gates = []
    for n, kind in enumerate((_RecordingGate, _EnteringGate)):
        store = sqlite_store(folder / f"{n}.db")
        gate = kind(
            PreTradeChecker(RiskLimits()),
            CommitEachStep(store),
            RecordingAlerter(),
            pdt=DayTradeMonitor(PdtLimits(), xnys),
        )
        gate.counted = []
        gates.append(gate)
    ledger = Ledger.opening(Decimal(100_000))
    for n, (kind, seconds, with_fill, side) in enumerate(steps):
        at = RISK_T0 + timedelta(seconds=seconds)
        for gate in gates:
            if kind == "bar":
                gate.on_bar("AAA", at, 100.0, ledger)
                continue
            fill = Fill(
                execution_id=f"x{n}",
                client_order_id=f"c{n}",
                symbol="AAA",
                side=side,
                qty=Decimal(10),
                price=Decimal(100),
                filled_at=at,
            )
            event = OrderEvent(
                kind=OrderEventKind.FILL if with_fill else OrderEventKind.ACCEPTED,
                client_order_id=f"c{n}",
                occurred_at=at,
                fill=fill if with_fill else None,
            )
            gate.on_events([event], at)
        shortcut, general = gates
        assert shortcut._cycle_at == general._cycle_at
        assert shortcut.counted == general.counted
        assert [type(t) for _, t in shortcut.counted] == [
            type(t) for _, t in general.counted
        ]
