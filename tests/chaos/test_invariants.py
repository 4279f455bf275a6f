"""The invariant checker itself: each violation it exists for is counted."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from tests.chaos.invariants import check
from tests.factories import event, intent
from tests.risk_support import T0, sqlite_store
from tradecore.domain import OrderEventKind, apply_event
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.spec import Side


def _store_with(path: Path, *intents: OrderIntent) -> str:
    store = sqlite_store(path)
    with store.unit_of_work() as uow:
        for one in intents:
            uow.intents.create(one)
        uow.commit()
    store.close()
    return f"sqlite:///{path}"


def _filled(path: Path) -> tuple[str, OrderIntent]:
    """A store holding one intent filled 100 @ 100 (its fill recorded)."""
    store = sqlite_store(path)
    with store.unit_of_work() as uow:
        placed = uow.intents.create(intent())
        applied = apply_event(placed, event(placed, OrderEventKind.FILL, qty="100"))
        uow.intents.update(applied.intent)
        assert applied.new_fill is not None
        uow.fills.record(applied.new_fill)
        uow.commit()
    store.close()
    return f"sqlite:///{path}", placed


def _order(cid: str, status: str = "filled", filled: str = "100") -> dict[str, Any]:
    return {"client_order_id": cid, "status": status, "filled_qty": filled}


def test_a_store_level_with_the_broker_is_clean(tmp_path: Path) -> None:
    url, placed = _filled(tmp_path / "a.db")
    verdict = check(url, [_order(placed.client_order_id)], {"AAPL": Decimal(100)}, True)
    assert verdict.clean, verdict.problems
    assert verdict.orders == 1


def test_two_broker_orders_under_one_id_are_a_duplicate(tmp_path: Path) -> None:
    url, placed = _filled(tmp_path / "a.db")
    orders = [_order(placed.client_order_id), _order(placed.client_order_id)]
    assert check(url, orders, {"AAPL": Decimal(100)}, True).duplicates == 1


def test_a_broker_order_we_do_not_track_is_a_lost_intent(tmp_path: Path) -> None:
    url, placed = _filled(tmp_path / "a.db")
    orders = [_order(placed.client_order_id), _order("stranger", "new", "0")]
    assert check(url, orders, {"AAPL": Decimal(100)}, True).intents_lost == 1


def test_an_open_intent_the_broker_finished_is_non_terminal(tmp_path: Path) -> None:
    placed = intent()
    url = _store_with(tmp_path / "a.db", placed)
    orders = [_order(placed.client_order_id, "canceled", "0")]
    verdict = check(url, orders, {}, True)
    assert verdict.intents_non_terminal == 1
    assert check(url, [_order(placed.client_order_id, "new", "0")], {}, True).clean


def test_ledger_and_broker_positions_must_agree(tmp_path: Path) -> None:
    url, placed = _filled(tmp_path / "a.db")
    orders = [_order(placed.client_order_id)]
    assert check(url, orders, {"AAPL": Decimal(90)}, True).position_mismatches == 1
    assert check(url, orders, {"AAPL": Decimal(100)}, False).audit_broken == 1


def test_one_strategy_decision_at_the_broker_twice_is_a_duplicate(
    tmp_path: Path,
) -> None:
    """Same bar signal, two quantities: what a restart re-deciding a bar would do."""
    small, big = intent(qty=Decimal(10)), intent(qty=Decimal(20))
    url = _store_with(tmp_path / "a.db", small, big)
    orders = [
        _order(small.client_order_id, "new", "0"),
        _order(big.client_order_id, "new", "0"),
    ]
    assert check(url, orders, {}, True).duplicates == 1
    assert check(url, orders[:1], {}, True).duplicates == 0


def test_a_position_that_goes_short_at_any_point_is_a_sign_flip(
    tmp_path: Path,
) -> None:
    """Checked over the whole run: a sell that filled past zero and was bought back
    later leaves the end level, but not the run."""
    store = sqlite_store(tmp_path / "a.db")
    with store.unit_of_work() as uow:
        for n, (side, qty) in enumerate(
            [(Side.BUY, "100"), (Side.SELL, "150"), (Side.BUY, "50")]
        ):
            placed = uow.intents.create(intent(side=side, qty=Decimal(qty)))
            filled = event(placed, OrderEventKind.FILL, qty=qty, exec_id=f"x{n}")
            applied = apply_event(placed, filled)
            uow.intents.update(applied.intent)
            assert applied.new_fill is not None
            uow.fills.record(
                attrs.evolve(applied.new_fill, filled_at=T0 + timedelta(seconds=n))
            )
        uow.commit()
    store.close()
    url = f"sqlite:///{tmp_path / 'a.db'}"
    verdict = check(url, [], {}, True)
    assert verdict.sign_flips == 1
    assert verdict.position_mismatches == 0  # level at the end all the same
