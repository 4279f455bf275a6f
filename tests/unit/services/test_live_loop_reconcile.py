"""The live loop reconciles while running: every interval and after a reconnect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tradecore.adapters.sim import SimClock
from tradecore.services.orders.reconciler import Healing, ReconcileReport
from tradecore.services.trading.live_loop import LiveLoop

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class _Stub:
    """Engine, broker, commits and reconciler in one: records what the loop asks."""

    def __init__(self) -> None:
        self.passes: list[bool] = []
        self.restores = 0
        self.heal_next = False
        self.accounts = 0

    def account(self) -> Any:
        self.accounts += 1
        return None

    def poll_events(self) -> list[Any]:
        return []

    def on_events(self, events: Any) -> None:
        pass

    def run(self, *, while_running: bool = False) -> ReconcileReport:
        self.passes.append(while_running)
        healed = (
            (Healing(kind="k", action="a", symbol="S", client_order_id="c",
                     before={}, after={}),)
            if self.heal_next
            else ()
        )  # fmt: skip
        return ReconcileReport(checked=0, adopted=0, discrepancies=(), healed=healed)

    def restore(self, uow: Any) -> None:
        self.restores += 1

    def step(self) -> Any:
        stub = self

        class _Step:
            def __enter__(self) -> Any:
                return stub

            def __exit__(self, *exc: object) -> None:
                pass

        return _Step()

    def flush(self) -> None:
        pass


def _loop(stub: _Stub, clock: SimClock, connections: list[int]) -> LiveLoop:
    return LiveLoop(
        stub,  # type: ignore[arg-type]
        stub,  # type: ignore[arg-type]
        stub,  # type: ignore[arg-type]
        stub,  # type: ignore[arg-type]
        stub,  # type: ignore[arg-type]
        clock,
        cycle=timedelta(seconds=10),
        reconcile_every=timedelta(seconds=60),
        reconnects=lambda: connections[0],
    )


def test_reconciles_every_interval_and_after_each_reconnect() -> None:
    stub, clock, connections = _Stub(), SimClock(T0), [1]
    loop = _loop(stub, clock, connections)
    assert loop.reconcile_if_due() is not None  # never reconciled yet
    clock.advance(30)
    assert loop.reconcile_if_due() is None
    connections[0] = 2  # the event stream reconnected
    assert loop.reconcile_if_due() is not None
    assert loop.reconcile_if_due() is None
    clock.advance(60)
    assert loop.reconcile_if_due() is not None
    assert stub.passes == [True, True, True]
    assert loop.reconciles == 3
    assert stub.restores == 0


def test_while_closed_only_a_reconnect_calls_for_a_pass() -> None:
    """A weekend on a virtual clock would otherwise reconcile every minute of it
    (thousands of broker round trips before Monday's open)."""
    stub, clock, connections = _Stub(), SimClock(T0), [1]
    loop = _loop(stub, clock, connections)
    assert loop.reconcile_if_due() is not None
    clock.advance(3600)
    assert loop.reconcile_if_due(interval=False) is None  # due, but the market is shut
    connections[0] = 2
    assert loop.reconcile_if_due(interval=False) is not None  # a reconnect: a gap
    assert loop.reconciles == 2


def test_a_pass_that_healed_rebuilds_the_engines_book() -> None:
    stub, clock = _Stub(), SimClock(T0)
    loop = _loop(stub, clock, [0])
    stub.heal_next = True
    loop.reconcile()
    assert stub.restores == 1
    assert loop.healed == 1


def test_each_pass_reads_the_account_for_the_pdt_monitor() -> None:
    # The broker's daytrade_count reaches the gate only through an account read.
    stub, clock = _Stub(), SimClock(T0)
    loop = _loop(stub, clock, [0])
    loop.reconcile()
    clock.advance(60)
    loop.reconcile_if_due()
    assert stub.accounts == 2
