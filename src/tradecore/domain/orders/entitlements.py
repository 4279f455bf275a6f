"""What a corporate action does to an account's books: splits, cash dividends, renames.

The broker applies a corporate action to the account on the ex-date and reports it
(Alpaca reports ``SPLIT``, ``DIV`` and ``NC`` non-trade activities); our own ledger
books the same terms with the same function, so both books stay equal and
reconciliation finds nothing to flag. :class:`ActionTerms` are the terms (what to do);
:func:`apply_terms` books them on a :class:`Ledger` and returns the
:class:`ActionEffect` (what it did). Everything is exact (``Decimal``).

- **Split** (``ratio`` new shares per old, forward or reverse): the quantity is
  multiplied by the ratio and the cost basis kept, so the average price is divided by
  it and nothing is realized. Alpaca keeps the fraction a split leaves: "Alpaca will
  begin paying out fractional shares in the event of a stock split, effective August
  2nd, 2021 ... Alpaca is removing cash-in-lieu transactions" (alpaca.markets/blog,
  "Updated Terms for Payments in Fractional Shares"). So the new quantity is kept to
  Alpaca's fractional increment (1e-9 share); only the sub-increment remainder — or,
  with ``whole_shares`` (a broker that issues whole shares only, as Alpaca did before
  that date), the fractional share — is paid as cash in lieu at the split-adjusted
  reference price (the prior close divided by the ratio). Cash in lieu is a sale of
  the fraction: its pro-rata share of the basis leaves, the difference is realized.
  A short pays for its fraction the same way (the signs follow the quantity).
- **Cash dividend** (``cash`` per share): the position held at the prior close
  receives ``qty x cash``; a short position pays it (a negative amount), as the
  lender of the shares is owed the dividend. Booked as realized P&L and cash on the
  ex-date (see :mod:`tradecore.domain.venue.corporate_actions` for why the ex-date
  rather than the payable date).
- **Rename** (``new_symbol``): the holding (quantity, basis, realized P&L) moves to
  the new symbol unchanged (Alpaca's two ``NC`` activities, minus the old symbol and
  plus the new one, net to this).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.orders.ledger import Holding, Ledger

_ZERO = Decimal(0)
#: Alpaca's fractional share increment (nine decimals).
FRACTION = Decimal("0.000000001")
_WHOLE = Decimal(1)
#: Precision of the basis a cash-in-lieu removes (as the ledger's partial closes).
_BASIS_STEP = Decimal("1e-10")


class EntitlementKind(enum.StrEnum):
    """What an action does to a holding (Alpaca's activity types in brackets)."""

    SPLIT = "split"  # SPLIT
    CASH_DIVIDEND = "cash_dividend"  # DIV
    RENAME = "rename"  # NC


@attrs.frozen(kw_only=True, slots=True)
class ActionTerms:
    """The terms of one corporate action on one symbol, as the books apply them.

    ``reference_price`` is the symbol's prior raw close (``None`` when unknown): it
    prices cash in lieu of a fractional split remainder (at the prior close divided
    by the ratio; unknown, at the average cost, so nothing is realized).
    """

    kind: EntitlementKind = attrs.field(validator=v.instance_of(EntitlementKind))
    symbol: str = attrs.field(validator=v.symbol)
    ex_date: date = attrs.field(validator=v.instance_of(date))
    ratio: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    cash: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    new_symbol: str | None = None
    reference_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    whole_shares: bool = False

    def __attrs_post_init__(self) -> None:
        needed = {
            EntitlementKind.SPLIT: ("ratio", self.ratio),
            EntitlementKind.CASH_DIVIDEND: ("cash", self.cash),
            EntitlementKind.RENAME: ("new_symbol", self.new_symbol),
        }[self.kind]
        if not needed[1]:
            raise InvalidInput(needed[0], needed[1], f"a {self.kind} needs it")

    @property
    def symbol_after(self) -> str:
        """The symbol the position trades as afterwards."""
        return self.new_symbol or self.symbol


@attrs.frozen(kw_only=True, slots=True)
class ActionEffect:
    """What booking the terms did: quantities before and after, cash, realized P&L."""

    qty_before: Decimal
    qty_after: Decimal
    #: Signed cash change: dividend received (paid if short), cash in lieu.
    cash: Decimal = _ZERO
    #: Shares (after the split) settled in cash instead of delivered.
    cash_in_lieu_qty: Decimal = _ZERO
    realized_pnl: Decimal = _ZERO


@attrs.frozen(kw_only=True, slots=True)
class ActionBooking:
    """A corporate action as a broker applied it: terms, effect, when, orders canceled.

    The record the broker reports and our engine books (with :func:`apply_terms` on
    its own ledger), audits and shows in the report.
    """

    terms: ActionTerms
    effect: ActionEffect
    applied_at: datetime = attrs.field(validator=v.utc_datetime)
    canceled_orders: tuple[str, ...] = ()

    def audit_payload(self) -> dict[str, object]:
        """JSON-safe fields for the audit log and the report (decimals as strings)."""
        t, e = self.terms, self.effect
        payload: dict[str, object] = {
            "kind": t.kind.value,
            "symbol": t.symbol,
            "ex_date": t.ex_date.isoformat(),
            "applied_at": self.applied_at.isoformat(),
            "qty_before": str(e.qty_before),
            "qty_after": str(e.qty_after),
            "cash": str(e.cash),
            "cash_in_lieu_qty": str(e.cash_in_lieu_qty),
            "realized_pnl": str(e.realized_pnl),
            "canceled_orders": list(self.canceled_orders),
        }
        for name in ("ratio", "cash_per_share", "new_symbol", "reference_price"):
            value = getattr(t, "cash" if name == "cash_per_share" else name)
            if value is not None:
                payload[name] = str(value)
        return payload


def apply_terms(ledger: Ledger, terms: ActionTerms) -> tuple[Ledger, ActionEffect]:
    """Return ``ledger`` after ``terms`` and what changed (see the module docstring)."""
    holding = ledger.holdings.get(terms.symbol)
    qty = holding.qty if holding is not None else _ZERO
    if holding is None or qty == 0:
        if holding is not None and terms.kind is EntitlementKind.RENAME:
            return _moved(ledger, terms, holding), ActionEffect(
                qty_before=qty, qty_after=qty
            )
        return ledger, ActionEffect(qty_before=qty, qty_after=qty)
    if terms.kind is EntitlementKind.SPLIT:
        return _split(ledger, terms, holding)
    if terms.kind is EntitlementKind.CASH_DIVIDEND:
        assert terms.cash is not None
        amount = qty * terms.cash
        return _with(ledger, terms.symbol, holding, amount, amount), ActionEffect(
            qty_before=qty, qty_after=qty, cash=amount, realized_pnl=amount
        )
    return _moved(ledger, terms, holding), ActionEffect(qty_before=qty, qty_after=qty)


def _split(
    ledger: Ledger, terms: ActionTerms, holding: Holding
) -> tuple[Ledger, ActionEffect]:
    assert terms.ratio is not None
    qty, basis = holding.qty, holding.cost_basis
    exact = qty * terms.ratio
    step = _WHOLE if terms.whole_shares else FRACTION
    kept = exact.quantize(step, rounding=ROUND_DOWN)  # toward zero, either sign
    if kept == exact:
        kept = exact  # keep the exact value's own digits (400, not 400.000000000)
    rest = exact - kept
    cash = removed = _ZERO
    if rest != 0:
        price = (
            terms.reference_price / terms.ratio
            if terms.reference_price is not None
            else basis / exact  # unknown market: at cost, nothing realized
        )
        cash = rest * price
        removed = basis if kept == 0 else (basis * rest / exact).quantize(_BASIS_STEP)
    realized = cash - removed
    new = Holding(
        qty=kept,
        cost_basis=basis - removed,
        realized_pnl=holding.realized_pnl + realized,
    )
    holdings = dict(ledger.holdings)
    holdings[terms.symbol] = new
    booked = attrs.evolve(
        ledger,
        cash=ledger.cash + cash,
        holdings=holdings,
        realized_pnl=ledger.realized_pnl + realized,
    )
    return booked, ActionEffect(
        qty_before=qty,
        qty_after=kept,
        cash=cash,
        cash_in_lieu_qty=rest,
        realized_pnl=realized,
    )


def _with(
    ledger: Ledger, symbol: str, holding: Holding, cash: Decimal, realized: Decimal
) -> Ledger:
    holdings = dict(ledger.holdings)
    holdings[symbol] = attrs.evolve(
        holding, realized_pnl=holding.realized_pnl + realized
    )
    return attrs.evolve(
        ledger,
        cash=ledger.cash + cash,
        holdings=holdings,
        realized_pnl=ledger.realized_pnl + realized,
    )


def _moved(ledger: Ledger, terms: ActionTerms, holding: Holding) -> Ledger:
    """The holding under ``terms.new_symbol`` (added to one already there)."""
    new_symbol = terms.symbol_after
    holdings = dict(ledger.holdings)
    del holdings[terms.symbol]
    there = holdings.get(new_symbol)
    if there is not None:
        holding = Holding(
            qty=there.qty + holding.qty,
            cost_basis=there.cost_basis + holding.cost_basis,
            realized_pnl=there.realized_pnl + holding.realized_pnl,
        )
    holdings[new_symbol] = holding
    return attrs.evolve(ledger, holdings=holdings)
