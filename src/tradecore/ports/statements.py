"""The broker's statement: the executions it records for a period.

A broker adapter that can list its account's fills (Alpaca: the ``FILL`` account
activities) implements this beside :class:`~tradecore.ports.broker.Broker`; ``books
reconcile`` compares them with the store's fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tradecore.domain.books.statement import StatementFill


class FillStatement(Protocol):
    """Fills as the broker records them."""

    def statement_fills(
        self, start: datetime, end: datetime
    ) -> Sequence[StatementFill] | None:
        """The executions from ``start`` (inclusive) to ``end`` (exclusive), oldest
        first; ``None`` when the broker serves no such record.

        Raises:
            TransientBrokerError: the broker could not be read now.
        """
        ...
