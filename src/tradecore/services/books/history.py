"""The account's trading history as the books need it, read from one store.

Books are a deterministic function of the fills (the wash-sale window looks 30 days
past a sale), so every report rebuilds them from the whole history in the order the
store recorded the fills: the order the ledger applied them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import attrs

from tradecore.domain.books.events import trade_date
from tradecore.domain.books.relief import ReliefMethod
from tradecore.domain.books.tax_lots import Books, compute_books
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.ports.store import Store


@attrs.frozen(kw_only=True)
class TradingHistory:
    """Every fill and order in a store."""

    fills: Sequence[Fill]
    orders: Sequence[OrderIntent]

    @property
    def strategies(self) -> Mapping[str, str]:
        """Client order id -> the strategy that sent it."""
        return {o.client_order_id: o.decision_key.strategy_id for o in self.orders}

    def fills_on(self, day: date) -> list[Fill]:
        """The fills traded on New York date ``day``, in recorded order."""
        return [f for f in self.fills if trade_date(f.filled_at) == day]

    def orders_on(self, day: date) -> list[OrderIntent]:
        """The orders decided on New York date ``day``, or filled on it."""
        filled = {f.client_order_id for f in self.fills_on(day)}
        chosen = [
            o
            for o in self.orders
            if trade_date(o.decided_at) == day or o.client_order_id in filled
        ]
        return sorted(chosen, key=lambda o: (o.decided_at, o.client_order_id))

    def books(
        self,
        method: ReliefMethod,
        *,
        identified: Mapping[str, Sequence[str]] | None = None,
        actions: Sequence[CorporateAction] = (),
        through: date | None = None,
    ) -> Books:
        """The tax lots after the fills traded through ``through`` (all: ``None``)."""
        return compute_books(
            self.fills,
            method=method,
            actions=actions,
            identified=identified,
            strategies=self.strategies,
            through=through,
        )


def read_history(store: Store) -> TradingHistory:
    """Every fill (recorded order) and every order intent in ``store``."""
    with store.unit_of_work() as uow:
        fills = list(uow.fills.all())
        orders = list(uow.intents.by_status(*IntentStatus))
    return TradingHistory(fills=fills, orders=orders)
