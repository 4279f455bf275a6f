"""Skipping ``ProtectionDesk.clear_for`` while its books are empty changes nothing.

Before every order the engine frees the shares the symbol's protective orders and
bracket legs hold (``clear_for``); it now makes that call (and values the position
it passes) only while one of the desk's two books (``ProtectionDesk.books``: the
resting protective orders, the bracketed entries) holds something. Here two desks
see the same flow of resting orders, brackets, ends and orders: one asked before
every order, one only as the engine asks it. Their cancels, answers and books
agree, over entries, exits and flips, zero, fractional and negative positions.

The positions drawn are finite: the engine passes ``Ledger.position``, a sum of
validated fill quantities (a NaN position, which the full call refuses on an exit,
cannot reach it).
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.domain.orders.events import OrderEventKind
from tradecore.domain.orders.spec import Side
from tradecore.services.trading.protection import ProtectionDesk

SYMBOLS = ("AAA", "BBB")


class _Orders:
    """The order manager's two cancel calls, logged."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def cancel(self, intent: Any) -> bool:
        self.log.append(("cancel", intent.client_order_id))
        return len(self.log) % 3 != 0  # sometimes no longer working

    def cancel_legs(self, intent: Any) -> int:
        self.log.append(("legs", intent.client_order_id))
        return 2


def _intent(symbol: str, cid: str) -> Any:
    return SimpleNamespace(client_order_id=cid, spec=SimpleNamespace(symbol=symbol))


positions = st.one_of(
    st.just(Decimal(0)),
    st.integers(-500, 500).map(Decimal),
    st.decimals(min_value=-100, max_value=100, places=3, allow_nan=False),
)
cids = st.sampled_from(("c1", "c2", "c3"))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("rest"), st.sampled_from(SYMBOLS), cids),
        st.tuples(st.just("bracket"), st.sampled_from(SYMBOLS), cids),
        st.tuples(
            st.just("end"),
            cids,
            st.sampled_from((OrderEventKind.FILL, OrderEventKind.CANCELED)),
        ),
        st.tuples(
            st.just("order"),
            st.sampled_from(SYMBOLS),
            positions,
            st.sampled_from((Side.BUY, Side.SELL)),
        ),
    ),
    max_size=20,
)


def _as_the_engine_asks(
    desk: ProtectionDesk, symbol: str, current: Decimal, side: Side
) -> int:
    """``TradingEngine._decide``'s call: made only while a book holds something."""
    resting, bracketed = desk.books
    if resting or bracketed:
        return desk.clear_for(symbol, current, side)
    return 0


def _state(desk: ProtectionDesk) -> tuple[object, ...]:
    return (
        {s: dict(r) for s, r in desk._resting.items()},
        dict(desk._resting_symbol),
        {s: dict(b) for s, b in desk._brackets.items()},
    )


@settings(max_examples=400, deadline=None)
@given(steps)
def test_the_desk_asked_only_while_it_holds_orders_acts_as_one_always_asked(
    script: list[tuple[Any, ...]],
) -> None:
    always, engine = _Orders(), _Orders()
    general = ProtectionDesk(always, None)  # type: ignore[arg-type]
    shortcut = ProtectionDesk(engine, None)  # type: ignore[arg-type]
    for step in script:
        for desk in (general, shortcut):
            if step[0] == "rest":
                desk.restore_resting(_intent(step[1], step[2]))
            elif step[0] == "bracket":
                desk.note_bracket(_intent(step[1], step[2]))
            elif step[0] == "end":
                desk.on_event(SimpleNamespace(kind=step[2], client_order_id=step[1]))  # type: ignore[arg-type]
        if step[0] == "order":
            _, symbol, current, side = step
            assert general.clear_for(symbol, current, side) == _as_the_engine_asks(
                shortcut, symbol, current, side
            )
        assert always.log == engine.log
        assert _state(general) == _state(shortcut)


def test_the_books_are_the_dicts_clear_for_reads() -> None:
    desk = ProtectionDesk(_Orders(), None)  # type: ignore[arg-type]
    assert desk.books == ({}, {})
    desk.restore_resting(_intent("AAA", "c1"))
    desk.note_bracket(_intent("BBB", "c2"))
    assert desk.books[0] is desk._resting
    assert desk.books[1] is desk._brackets
    assert all(desk.books)
