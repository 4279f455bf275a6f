"""Lots: what one opening fill bought (or sold short), and what closing it realized.

A long lot's ``basis`` is what the shares cost, the opening fill's fee and any
wash-sale disallowed loss included (IRS Pub. 550, "Basis of investment property":
cost plus commissions; "Wash sales": the disallowed loss is added to the basis of the
new stock). A short lot's ``basis`` is what the short sale brought in, net of its fee.
``acquired`` is the start of the holding period (a wash sale's replacement lot takes
the sold lot's holding period as well, so it may be earlier than ``opened``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.books.holding_period import Term

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class Lot:
    """Shares opened by one fill and still held (long) or still owed (short)."""

    lot_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    qty: Decimal = attrs.field(validator=v.positive_decimal)
    short: bool = False
    basis: Decimal = attrs.field(validator=v.decimal)
    #: Start of the holding period (tacked for a wash-sale replacement).
    acquired: date = attrs.field(validator=v.instance_of(date))
    #: The trade date of the opening fill.
    opened: date = attrs.field(validator=v.instance_of(date))
    #: The opening fill's execution id.
    opened_by: str = attrs.field(validator=v.non_empty_str)
    #: Disallowed wash-sale losses included in ``basis``.
    wash_adjustment: Decimal = attrs.field(default=_ZERO, validator=v.decimal)
    #: Whether these shares already replaced shares of a wash sale (used once).
    replacement: bool = False
    #: Opening order (FIFO) across lots; a split lot keeps its place.
    seq: int = 0
    #: Who opened it (the strategy of the opening order; ``""`` when unknown).
    strategy: str = ""

    @property
    def unit_basis(self) -> Decimal:
        """Basis per share."""
        return self.basis / self.qty

    @property
    def signed_qty(self) -> Decimal:
        """Quantity with the position's sign (negative for a short)."""
        return -self.qty if self.short else self.qty

    @property
    def signed_basis(self) -> Decimal:
        """Cash paid for a long (positive), received for a short (negative)."""
        return -self.basis if self.short else self.basis

    def unrealized(self, mark: Decimal) -> Decimal:
        """Gain if the lot were closed at ``mark`` (no fees)."""
        return self.signed_qty * mark - self.signed_basis


@attrs.frozen(kw_only=True, slots=True)
class ClosedLot:
    """Part or all of a lot, closed by one fill: one Form 8949 row.

    ``gain`` is Form 8949's column (h): ``proceeds - cost_basis + wash_disallowed``,
    where ``wash_disallowed`` is column (g) with code W (a positive adjustment that
    cancels the disallowed part of the loss).
    """

    lot_id: str
    symbol: str
    qty: Decimal
    short: bool
    #: Form 8949 (b): when the holding period began (a short: the covering date).
    acquired: date
    #: Form 8949 (c): the sale date (a short: the short sale's date).
    sold: date
    #: The trade date the position was closed.
    closed: date
    proceeds: Decimal
    cost_basis: Decimal
    wash_disallowed: Decimal
    #: Wash-sale adjustments inherited in ``cost_basis`` (from earlier loss sales).
    wash_in_basis: Decimal
    term: Term
    closed_by: str
    strategy: str = ""

    @property
    def gain(self) -> Decimal:
        """Form 8949 column (h): gain or (loss) after the wash-sale adjustment."""
        return self.proceeds - self.cost_basis + self.wash_disallowed

    @property
    def economic_gain(self) -> Decimal:
        """The cash result of this close: what it realized before any wash rule."""
        return self.proceeds - self.cost_basis + self.wash_in_basis


@attrs.frozen(kw_only=True, slots=True)
class WashSale:
    """A loss (or part of one) disallowed by replacement shares (IRC section 1091)."""

    lot_id: str
    symbol: str
    sold: date
    closed_by: str
    #: The shares of the loss sale this replacement covers.
    qty: Decimal
    disallowed: Decimal
    #: The fill that bought the replacement shares, and when.
    replacement_fill: str
    replacement_date: date
    #: The replacement lot that carries the disallowed loss.
    replacement_lot: str
