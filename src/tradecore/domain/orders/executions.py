"""Executions (fills): the broker's truth about what traded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.orders.spec import Side

#: ``Side.BUY`` as a module constant (read on every fill, in every ledger): on
#: Python 3.11 an enum class's attribute goes through ``EnumType.__getattr__``'s
#: slot hook, about 900 instructions a read, where a global's costs a few.
_BUY = Side.BUY


@attrs.frozen(kw_only=True, slots=True)
class Fill:
    """One execution. ``execution_id`` is the broker's and de-duplicates fills."""

    execution_id: str = attrs.field(validator=v.non_empty_str)
    client_order_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    side: Side = attrs.field(validator=v.instance_of(Side))
    qty: Decimal = attrs.field(validator=v.positive_decimal)
    price: Decimal = attrs.field(validator=v.positive_decimal)
    fee: Decimal = attrs.field(default=Decimal(0), validator=v.non_negative_decimal)
    filled_at: datetime = attrs.field(validator=v.utc_datetime)

    @property
    def signed_qty(self) -> Decimal:
        """Quantity with the side's sign: positive bought, negative sold."""
        return self.qty if self.side is _BUY else -self.qty

    @property
    def notional(self) -> Decimal:
        """Unsigned traded value, ``qty * price``."""
        return self.qty * self.price
