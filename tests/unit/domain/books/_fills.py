"""Fills on given New York trade dates for the books tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side


class Tape:
    """Fills numbered in order: ``tape.buy("2024-01-02", 100, "10")``."""

    def __init__(self, symbol: str = "AAPL") -> None:
        self.symbol = symbol
        self.fills: list[Fill] = []

    def _add(self, side: Side, day: str, qty: object, price: str, fee: str) -> Fill:
        n = len(self.fills) + 1
        fill = Fill(
            execution_id=f"x{n}",
            client_order_id=f"c{n}",
            symbol=self.symbol,
            side=side,
            qty=D(str(qty)),
            price=D(price),
            fee=D(fee),
            # 15:00 UTC is 10:00 or 11:00 in New York: the same date.
            filled_at=datetime.combine(
                date.fromisoformat(day), datetime.min.time()
            ).replace(hour=15, tzinfo=UTC),
        )
        self.fills.append(fill)
        return fill

    def buy(self, day: str, qty: object, price: str, fee: str = "0") -> Fill:
        return self._add(Side.BUY, day, qty, price, fee)

    def sell(self, day: str, qty: object, price: str, fee: str = "0") -> Fill:
        return self._add(Side.SELL, day, qty, price, fee)
