"""The broker's statement of a day against the books: fills and positions.

Alpaca's account activities of type ``FILL`` are the broker's record of every
execution (docs.alpaca.markets, "Account Activities": ``GET
/v2/account/activities/{activity_type}``; each a ``TradeActivity`` with ``order_id``,
``cum_qty``, ``qty``, ``price``, ``side``, ``symbol``, ``transaction_time``). A fill is
matched to ours by execution id (the Alpaca adapter names a fill by its order and
cumulative quantity, the same from the stream and from the activities); then the
two must agree on symbol, side, quantity and price. Positions are compared per
symbol, the broker's against the lots'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class StatementFill:
    """One execution as the broker's statement records it."""

    execution_id: str
    broker_order_id: str
    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    at: datetime


@attrs.frozen(kw_only=True, slots=True)
class Difference:
    """One disagreement: ``kind`` says which, ``ours`` and ``theirs`` the values."""

    kind: str
    key: str
    ours: str = ""
    theirs: str = ""

    def line(self) -> str:
        """One line for a person."""
        return f"{self.kind}: {self.key} ours={self.ours or '-'} theirs={self.theirs or '-'}"


#: The kinds of difference, in the order they are listed.
MISSING_AT_BROKER = "fill_not_at_broker"
MISSING_IN_BOOKS = "fill_not_in_books"
FILL_DIFFERS = "fill_differs"
POSITION_DIFFERS = "position_differs"


def _describe(symbol: str, side: Side, qty: Decimal, price: Decimal) -> str:
    return f"{side.value} {qty.normalize():f} {symbol} @ {price.normalize():f}"


def compare_fills(
    ours: Iterable[Fill], theirs: Iterable[StatementFill]
) -> list[Difference]:
    """Fills one side has and the other lacks, and matched fills that disagree."""
    mine = {f.execution_id: f for f in ours}
    broker = {f.execution_id: f for f in theirs}
    found: list[Difference] = []
    for eid, fill in mine.items():
        other = broker.get(eid)
        text = _describe(fill.symbol, fill.side, fill.qty, fill.price)
        if other is None:
            found.append(Difference(kind=MISSING_AT_BROKER, key=eid, ours=text))
            continue
        their_text = _describe(other.symbol, other.side, other.qty, other.price)
        same = (fill.symbol, fill.side, fill.qty, fill.price) == (
            other.symbol,
            other.side,
            other.qty,
            other.price,
        )
        if not same:
            found.append(
                Difference(kind=FILL_DIFFERS, key=eid, ours=text, theirs=their_text)
            )
    for eid, other in broker.items():
        if eid not in mine:
            text = _describe(other.symbol, other.side, other.qty, other.price)
            found.append(Difference(kind=MISSING_IN_BOOKS, key=eid, theirs=text))
    return found


def compare_positions(
    books: Mapping[str, Decimal], broker: Mapping[str, Decimal]
) -> list[Difference]:
    """Symbols whose signed quantity differs between the lots and the broker."""
    return [
        Difference(
            kind=POSITION_DIFFERS,
            key=symbol,
            ours=f"{books.get(symbol, _ZERO).normalize():f}",
            theirs=f"{broker.get(symbol, _ZERO).normalize():f}",
        )
        for symbol in sorted(set(books) | set(broker))
        if books.get(symbol, _ZERO) != broker.get(symbol, _ZERO)
    ]


def reconcile_statement(
    ours: Sequence[Fill],
    theirs: Sequence[StatementFill],
    books: Mapping[str, Decimal],
    broker: Mapping[str, Decimal],
) -> list[Difference]:
    """Every difference between our fills and positions and the broker's."""
    return compare_fills(ours, theirs) + compare_positions(books, broker)
