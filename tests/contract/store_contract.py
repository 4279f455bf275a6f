"""StoreContract: what every Store adapter must do (cases ST-01 ...).

An adapter's test module subclasses :class:`StoreContract` and provides:

* ``make_store`` -> a zero-argument, **picklable** callable that opens a new handle on
  the test's own empty, migrated database (called again, it reopens the same one;
  the race and crash cases call it in other processes);
* ``raw_sql`` -> ``run(statement, params)`` executing SQL behind the store's back,
  as an operator's hand edit or an attacker would.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from tests.contract.store_contract_batches import BatchesContract
from tests.contract.store_contract_models import ModelStagesContract
from tests.contract.store_contract_records import RecordsContract
from tradecore.domain.errors import (
    ConcurrencyConflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
)
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent, apply_event, mark_submitted
from tradecore.domain.orders.lifecycle import TERMINAL, TRANSITIONS, IntentStatus
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side
from tradecore.ports.store import Store

StoreFactory = Callable[[], Store]
RawSql = Callable[[str, dict[str, Any]], None]

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
_SPAWN = multiprocessing.get_context("spawn")
_CHILD_TIMEOUT_S = 60


def make_intent(n: int = 1, *, qty: str = "10", **context: Any) -> OrderIntent:
    """Build a CREATED intent; ``n`` makes its decision (and client id) unique."""
    key = DecisionKey(
        strategy_id="contract",
        symbol="AAPL",
        side=Side.BUY,
        session_date=date(2024, 3, 1),
        horizon="1d",
        signal_hash=f"sig{n}",
        qty=Decimal(qty),
    )
    spec = OrderSpec(
        symbol="AAPL",
        side=Side.BUY,
        qty=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("187.25"),
    )
    return OrderIntent.create(
        key, spec, decided_at=T0 + timedelta(seconds=n), **context
    )


def _intent_in(symbol: str, signal: str) -> OrderIntent:
    """A CREATED market-order intent in ``symbol`` (``signal`` makes it unique)."""
    key = DecisionKey(
        strategy_id="contract",
        symbol=symbol,
        side=Side.BUY,
        session_date=date(2024, 3, 1),
        horizon="1d",
        signal_hash=signal,
        qty=Decimal(1),
    )
    spec = OrderSpec(symbol=symbol, side=Side.BUY, qty=Decimal(1))
    return OrderIntent.create(key, spec, decided_at=T0)


def fill_event(intent: OrderIntent, execution_id: str, qty: str) -> OrderEvent:
    """Build a partial-fill event for ``intent``."""
    fill = Fill(
        execution_id=execution_id,
        client_order_id=intent.client_order_id,
        symbol=intent.spec.symbol,
        side=intent.spec.side,
        qty=Decimal(qty),
        price=Decimal("187.2500001"),
        fee=Decimal("0.000000001"),
        filled_at=T0 + timedelta(minutes=1),
    )
    return OrderEvent(
        kind=OrderEventKind.PARTIAL_FILL,
        client_order_id=intent.client_order_id,
        occurred_at=fill.filled_at,
        broker_order_id="b-1",
        fill=fill,
    )


def path_to(target: IntentStatus) -> list[IntentStatus]:
    """Return the shortest legal status path CREATED -> ``target`` (BFS on the table)."""
    paths = {IntentStatus.CREATED: [IntentStatus.CREATED]}
    queue = deque([IntentStatus.CREATED])
    while queue:
        status = queue.popleft()
        for nxt in TRANSITIONS[status]:
            if nxt not in paths:
                paths[nxt] = [*paths[status], nxt]
                queue.append(nxt)
    return paths[target]


def create_committed(store: Store, intent: OrderIntent) -> OrderIntent:
    """Create ``intent`` in its own committed unit and return it as stored."""
    with store.unit_of_work() as uow:
        stored = uow.intents.create(intent)
        uow.commit()
    return stored


# --- child processes (module level so that "spawn" can import them) -------------------


def _race_create(factory: StoreFactory, barrier: Any, results: Any) -> None:
    store = factory()
    barrier.wait(_CHILD_TIMEOUT_S)
    with store.unit_of_work() as uow:
        stored = uow.intents.create(make_intent(7))
        uow.commit()
    results.put(stored)
    store.close()


def _commit_then_hang(factory: StoreFactory, committed: Any) -> None:
    store = factory()
    create_committed(store, make_intent(9))
    committed.set()
    threading.Event().wait(_CHILD_TIMEOUT_S)  # wait here to be SIGKILLed


class StoreContract(RecordsContract, ModelStagesContract, BatchesContract):
    """The Store port's contract; subclass it and provide the fixtures above."""

    make_intent = staticmethod(make_intent)

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        """Provide the factory (see the module docstring)."""
        raise NotImplementedError("provide make_store in the adapter's contract module")

    @pytest.fixture
    def raw_sql(self) -> RawSql:
        """Provide raw SQL access behind the store (see the module docstring)."""
        raise NotImplementedError("provide raw_sql in the adapter's contract module")

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> Any:
        """Open a store for one test and close it afterwards."""
        store = make_store()
        yield store
        store.close()

    # --- intents ----------------------------------------------------------------------

    def test_create_returns_the_intent_at_version_1(self, store: Store) -> None:
        """ST-01 create stores the intent at version 1; get and find return it."""
        intent = make_intent()
        stored = create_committed(store, intent)
        assert stored == attrs.evolve(intent, version=1)
        with store.unit_of_work() as uow:
            assert uow.intents.get(intent.client_order_id) == stored
            assert uow.intents.find(intent.client_order_id) == stored

    def test_create_with_existing_id_returns_the_first(self, store: Store) -> None:
        """ST-02 create with an existing client order id returns it, creates nothing."""
        first = create_committed(store, make_intent(execution_policy="twap"))
        again = create_committed(store, make_intent(execution_policy="market"))
        assert again == first
        with store.unit_of_work() as uow:
            assert uow.intents.open_intents() == [first]

    def test_racing_processes_create_one_intent(self, make_store: StoreFactory) -> None:
        """ST-03 processes creating the same id at the same moment get one intent."""
        n = 4
        barrier, results = _SPAWN.Barrier(n), _SPAWN.Queue()
        procs = [
            _SPAWN.Process(target=_race_create, args=(make_store, barrier, results))
            for _ in range(n)
        ]
        for p in procs:
            p.start()
        got = [results.get(timeout=_CHILD_TIMEOUT_S) for _ in procs]
        for p in procs:
            p.join(_CHILD_TIMEOUT_S)
        assert [p.exitcode for p in procs] == [0] * n
        assert got == [attrs.evolve(make_intent(7), version=1)] * n
        store = make_store()
        with store.unit_of_work() as uow:
            assert len(uow.intents.open_intents()) == 1
        store.close()

    def test_unknown_intent_is_not_found(self, store: Store) -> None:
        """ST-04 get of an unknown id raises NotFound; find returns None."""
        with store.unit_of_work() as uow:
            assert uow.intents.find("nope") is None
            with pytest.raises(NotFound):
                uow.intents.get("nope")

    def test_find_many_returns_the_stored_among_the_ids(self, store: Store) -> None:
        """ST-32 find_many maps each stored id to its intent; unknown ids are absent."""
        stored = [create_committed(store, make_intent(n)) for n in range(1, 5)]
        with store.unit_of_work() as uow:
            moved = uow.intents.update(mark_submitted(stored[1], T0))
            uow.commit()
        wanted = [stored[0].client_order_id, moved.client_order_id, "nope"]
        with store.unit_of_work() as uow:
            found = uow.intents.find_many([*wanted, stored[0].client_order_id])
            assert uow.intents.find_many([]) == {}
        assert found == {
            stored[0].client_order_id: stored[0],
            moved.client_order_id: moved,
        }

    def test_statuses_of_the_stored_among_the_ids(self, store: Store) -> None:
        """ST-36 statuses maps each stored id to its status; unknown ids are absent."""
        first, second = (create_committed(store, make_intent(n)) for n in (1, 2))
        with store.unit_of_work() as uow:
            uow.intents.update(mark_submitted(second, T0))
            ids = [first.client_order_id, second.client_order_id, "nope"]
            assert uow.intents.statuses(ids) == {
                first.client_order_id: IntentStatus.CREATED,
                second.client_order_id: IntentStatus.SUBMITTED,
            }
            assert uow.intents.statuses([]) == {}

    def test_find_many_reads_writes_of_its_own_unit(self, store: Store) -> None:
        """ST-33 find_many sees the unit's uncommitted writes, like find."""
        with store.unit_of_work() as uow:
            created = uow.intents.create(make_intent(arrival_price=Decimal("1.10")))
            found = uow.intents.find_many(iter([created.client_order_id]))
        assert found == {created.client_order_id: created}

    def test_update_moves_status_and_bumps_version(self, store: Store) -> None:
        """ST-05 a legal status change is stored at version + 1."""
        stored = create_committed(store, make_intent())
        with store.unit_of_work() as uow:
            submitted = uow.intents.update(mark_submitted(stored, T0))
            uow.commit()
        assert (submitted.status, submitted.version) == (IntentStatus.SUBMITTED, 2)
        with store.unit_of_work() as uow:
            assert uow.intents.get(stored.client_order_id) == submitted

    def test_illegal_transition_raises_and_changes_nothing(self, store: Store) -> None:
        """ST-06 a move the domain table forbids raises IllegalTransition."""
        stored = create_committed(store, make_intent())
        illegal = attrs.evolve(stored, status=IntentStatus.FILLED)
        with store.unit_of_work() as uow, pytest.raises(IllegalTransition):
            uow.intents.update(illegal)
        with store.unit_of_work() as uow:
            assert uow.intents.get(stored.client_order_id) == stored

    def test_second_writer_from_same_version_conflicts(self, store: Store) -> None:
        """ST-07 two updates from one version: the first wins, the second conflicts."""
        stored = create_committed(store, make_intent())
        submitted = mark_submitted(stored, T0)
        failed = attrs.evolve(stored, status=IntentStatus.FAILED, reason="other")
        with store.unit_of_work() as first:
            winner = first.intents.update(submitted)
            first.commit()
        with store.unit_of_work() as second, pytest.raises(ConcurrencyConflict):
            second.intents.update(failed)
        with store.unit_of_work() as uow:
            assert uow.intents.get(stored.client_order_id) == winner

    def test_open_intents_never_returns_terminal(self, store: Store) -> None:
        """ST-08 open_intents holds exactly the non-terminal intents (domain set)."""
        expected_open = set()
        for n, status in enumerate(IntentStatus, start=1):
            intent = create_committed(store, make_intent(n))
            with store.unit_of_work() as uow:
                for step in path_to(status)[1:]:
                    intent = uow.intents.update(attrs.evolve(intent, status=step))
                uow.commit()
            if status not in TERMINAL:
                expected_open.add(intent.client_order_id)
        with store.unit_of_work() as uow:
            open_ids = [i.client_order_id for i in uow.intents.open_intents()]
            terminal = uow.intents.by_status(*TERMINAL)
        assert set(open_ids) == expected_open
        assert len(open_ids) == len(expected_open)
        assert {i.status for i in terminal} == set(TERMINAL)

    def test_open_symbols_are_the_symbols_of_open_intents(self, store: Store) -> None:
        """ST-34 open_symbols: the symbols open_intents holds, nothing terminal."""
        for symbol, status in (
            ("AAPL", IntentStatus.ACKED),
            ("MSFT", IntentStatus.SUBMITTED),
            ("MSFT", IntentStatus.CANCELED),
            ("TSLA", IntentStatus.FILLED),
            ("SPY", IntentStatus.CREATED),
        ):
            intent = create_committed(store, _intent_in(symbol, status.value))
            with store.unit_of_work() as uow:
                for step in path_to(status)[1:]:
                    intent = uow.intents.update(attrs.evolve(intent, status=step))
                uow.commit()
        with store.unit_of_work() as uow:
            symbols = uow.intents.open_symbols()
            expected = {i.spec.symbol for i in uow.intents.open_intents()}
        assert symbols == expected == {"AAPL", "MSFT", "SPY"}

    def test_by_status_since_reads_only_recent_decisions(self, store: Store) -> None:
        """ST-29 by_status_since: the statuses asked for, decided at/after the time."""
        for n in (1, 2, 3):
            intent = create_committed(store, make_intent(n))
            with store.unit_of_work() as uow:
                for step in path_to(IntentStatus.REJECTED)[1:]:
                    intent = uow.intents.update(attrs.evolve(intent, status=step))
                uow.commit()
        create_committed(store, make_intent(4))
        since = T0 + timedelta(seconds=2)
        with store.unit_of_work() as uow:
            recent = uow.intents.by_status_since(since, IntentStatus.REJECTED)
            created = uow.intents.by_status_since(since, IntentStatus.CREATED)
        assert [i.decided_at for i in recent] == [since, since + timedelta(seconds=1)]
        assert [i.client_order_id for i in created] == [make_intent(4).client_order_id]

    # --- fills ------------------------------------------------------------------------

    def test_same_fill_twice_is_a_noop(self, store: Store) -> None:
        """ST-09 recording a fill with a stored execution id changes nothing."""
        intent = mark_submitted(create_committed(store, make_intent()), T0)
        fill = fill_event(intent, "x-1", "4").fill
        assert fill is not None
        with store.unit_of_work() as uow:
            assert uow.fills.record(fill) is True
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.fills.record(attrs.evolve(fill, qty=Decimal("5"))) is False
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.fills.for_order(intent.client_order_id) == [fill]
            assert uow.fills.all() == [fill]

    def test_fills_recorded_after_a_mark(self, store: Store) -> None:
        """ST-30 recorded_after returns only fills stored after the mark, in order."""
        intent = mark_submitted(create_committed(store, make_intent()), T0)
        fills = []
        for n in range(1, 4):
            fill = fill_event(intent, f"x-{n}", "1").fill
            assert fill is not None
            fills.append(fill)
        with store.unit_of_work() as uow:
            assert uow.fills.recorded_after(0) == ([], 0)
            uow.fills.record(fills[0])
            uow.commit()
        with store.unit_of_work() as uow:
            first, mark = uow.fills.recorded_after(0)
            uow.fills.record(fills[1])
            uow.fills.record(fills[2])
            uow.commit()
        with store.unit_of_work() as uow:
            later, end = uow.fills.recorded_after(mark)
            assert uow.fills.recorded_after(end) == ([], end)
            assert list(uow.fills.recorded_after(0)[0]) == fills
        assert (list(first), list(later)) == ([fills[0]], fills[1:])

    def test_fills_sum_to_the_intents_filled_qty(self, store: Store) -> None:
        """ST-10 fills applied through the domain sum to the stored filled qty."""
        stored = create_committed(store, make_intent())
        with store.unit_of_work() as uow:
            intent = uow.intents.update(mark_submitted(stored, T0))
            for execution_id, qty in [("x-1", "3"), ("x-2", "2.5"), ("x-1", "3")]:
                applied = apply_event(intent, fill_event(intent, execution_id, qty))
                if applied.new_fill is not None:
                    assert uow.fills.record(applied.new_fill)
                    intent = uow.intents.update(applied.intent)
            uow.commit()
        with store.unit_of_work() as uow:
            fills = uow.fills.for_order(stored.client_order_id)
            final = uow.intents.get(stored.client_order_id)
        assert sum(f.qty for f in fills) == final.filled_qty == Decimal("5.5")
        assert final.status is IntentStatus.PARTIALLY_FILLED

    def test_fill_for_unknown_intent_is_not_found(self, store: Store) -> None:
        """ST-11 a fill whose order has no intent raises NotFound."""
        fill = fill_event(mark_submitted(make_intent(), T0), "x-9", "1").fill
        assert fill is not None
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.fills.record(fill)

    # --- units of work and durability -------------------------------------------------

    def test_leaving_without_commit_keeps_nothing(self, store: Store) -> None:
        """ST-12 a unit left without commit is rolled back."""
        with store.unit_of_work() as uow:
            uow.intents.create(make_intent())
            uow.audit.append("test", {"n": 1})
        with store.unit_of_work() as uow:
            assert uow.intents.open_intents() == []
            assert uow.audit.verify().rows == 0

    def test_commit_survives_sigkill(self, make_store: StoreFactory) -> None:
        """ST-13 an intent committed by a process killed right after is readable."""
        committed = _SPAWN.Event()
        child = _SPAWN.Process(target=_commit_then_hang, args=(make_store, committed))
        child.start()
        try:
            assert committed.wait(_CHILD_TIMEOUT_S), "child never committed"
        finally:
            os.kill(child.pid or 0, signal.SIGKILL)
            child.join(_CHILD_TIMEOUT_S)
        assert child.exitcode == -signal.SIGKILL
        store = make_store()
        with store.unit_of_work() as uow:
            assert uow.intents.get(make_intent(9).client_order_id).version == 1
        store.close()

    # --- audit ------------------------------------------------------------------------

    def _three_audit_rows(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for n in (1, 2, 3):
                uow.audit.append("order", {"n": n, "qty": Decimal("1.5")})
            uow.commit()

    def test_audit_rows_chain_and_verify(self, store: Store) -> None:
        """ST-14 appended rows link to their predecessor; verify says intact."""
        with store.unit_of_work() as uow:
            first = uow.audit.append("start", {"by": "ops"})
            second = uow.audit.append("halt", {"by": "ops", "qty": Decimal("2.50")})
            uow.commit()
        assert (first.seq, second.seq) == (1, 2)
        assert second.prev_hash == first.row_hash
        assert second.payload == {"by": "ops", "qty": "2.5"}
        with store.unit_of_work() as uow:
            result = uow.audit.verify()
        assert (result.intact, result.rows) == (True, 2)

    def test_audit_edit_is_detected(self, store: Store, raw_sql: RawSql) -> None:
        """ST-15 editing a row with raw SQL makes verify name that row."""
        self._three_audit_rows(store)
        raw_sql("UPDATE audit_log SET payload = :p WHERE seq = 2", {"p": '{"n":9}'})
        with store.unit_of_work() as uow:
            result = uow.audit.verify()
        assert (result.intact, result.first_bad_seq) == (False, 2)

    @pytest.mark.parametrize("seq", [2, 3])
    def test_audit_delete_is_detected(
        self, store: Store, raw_sql: RawSql, seq: int
    ) -> None:
        """ST-16 deleting a row (middle or newest) makes verify name it as missing."""
        self._three_audit_rows(store)
        raw_sql("DELETE FROM audit_log WHERE seq = :s", {"s": seq})
        with store.unit_of_work() as uow:
            result = uow.audit.verify()
        assert (result.intact, result.first_bad_seq) == (False, seq)
        assert result.problem is not None
        assert "missing" in result.problem

    # --- bad input --------------------------------------------------------------------

    def test_naive_timestamp_is_refused_and_unit_discarded(self, store: Store) -> None:
        """ST-17 a naive timestamp raises InvalidInput; the unit keeps nothing."""
        bad = make_intent(2)
        object.__setattr__(bad, "updated_at", datetime(2024, 3, 1, 14, 30))
        with (  # noqa: PT012 (the unit's exit is part of what is tested)
            pytest.raises(InvalidInput, match="updated_at"),
            store.unit_of_work() as uow,
        ):
            uow.intents.create(make_intent(1))
            uow.intents.create(bad)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.intents.open_intents() == []

    def test_negative_quantity_is_refused(self, store: Store) -> None:
        """ST-18 a negative fill quantity raises InvalidInput naming the field."""
        intent = mark_submitted(create_committed(store, make_intent()), T0)
        fill = fill_event(intent, "x-1", "1").fill
        object.__setattr__(fill, "qty", Decimal("-1"))
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="qty"):
            uow.fills.record(fill)  # type: ignore[arg-type]
        with store.unit_of_work() as uow:
            assert uow.fills.all() == []

    def test_out_of_range_stored_amount_is_invalid_input(
        self, store: Store, raw_sql: RawSql
    ) -> None:
        """ST-35 a hand-edited negative filled qty raises InvalidInput naming it."""
        stored = create_committed(store, make_intent())
        raw_sql(
            "UPDATE intents SET filled_qty = -1 WHERE client_order_id = :c",
            {"c": stored.client_order_id},
        )
        with store.unit_of_work() as uow:
            with pytest.raises(InvalidInput, match="filled_qty"):
                uow.intents.get(stored.client_order_id)
            with pytest.raises(InvalidInput, match="filled_qty"):
                uow.intents.open_intents()
            with pytest.raises(InvalidInput, match="filled_qty"):
                uow.intents.find_many([stored.client_order_id])

    def test_unknown_stored_status_is_invalid_input(
        self, store: Store, raw_sql: RawSql
    ) -> None:
        """ST-19 a hand-edited unknown status raises InvalidInput on read."""
        stored = create_committed(store, make_intent())
        raw_sql(
            "UPDATE intents SET status = 'lost' WHERE client_order_id = :c",
            {"c": stored.client_order_id},
        )
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="lost"):
            uow.intents.get(stored.client_order_id)
        with store.unit_of_work() as uow, pytest.raises(InvalidInput, match="lost"):
            uow.intents.statuses([stored.client_order_id])

    # --- exactness --------------------------------------------------------------------

    @pytest.mark.parametrize(
        "amount",
        ["0.000000001", "123456789012345678901234567.123456789", "1.10", "7E+3"],
    )
    def test_decimals_round_trip_exactly(self, store: Store, amount: str) -> None:
        """ST-20 decimals come back equal to what was stored, digit for digit."""
        value = Decimal(amount)
        intent = make_intent(arrival_price=value)
        create_committed(store, intent)
        fill = attrs.evolve(
            fill_event(mark_submitted(intent, T0), "x-1", "1").fill,  # type: ignore[misc]
            price=value,
            fee=value,
        )
        with store.unit_of_work() as uow:
            uow.fills.record(fill)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.intents.get(intent.client_order_id).arrival_price == value
            (back,) = uow.fills.all()
        assert (back.price, back.fee) == (value, value)
        assert back.price.normalize() == value.normalize()
