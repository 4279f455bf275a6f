"""Tax lots from the fill history: open, close, wash-sale adjust, split and rename.

:func:`compute_books` walks every fill (and the lot-changing corporate actions) in
order. A fill first closes shares of the opposite direction, relieved by the
account's :class:`ReliefMethod`, then opens a lot with the rest: a sell that opens a
short opens a short lot, a buy covers it. Each closing piece is one
:class:`ClosedLot`. Everything is exact ``Decimal``: a fill's fee is split over its
pieces pro rata (to 1e-10, the last piece taking the remainder) and a partial close
removes its pro-rata share of the lot's basis to 1e-10, as the ledger does
(:mod:`tradecore.domain.orders.ledger`), so the books keep every cent: cash paid and
received over all lots equals the ledger's cash.

Wash sales (:mod:`tradecore.domain.books.replacements`): a long lot closed at a loss
with replacement shares bought within 30 days either side has the loss disallowed,
pro rata to the replacement shares (IRS Pub. 550: "If the number of shares of
substantially identical stock you buy ... is less than the number of shares you
sold, only the loss on the corresponding number of shares is disallowed"); the
disallowed amount is added to the replacement lot's basis and the sold lot's holding
period is added to the replacement's ("Your holding period for the new stock or
securities includes the holding period of the stock or securities sold"). A
replacement bought later than the sale is adjusted when its fill opens the lot.

Splits and renames (:mod:`tradecore.domain.market.corporate_actions`): a split
multiplies each lot's quantity by the ratio and keeps its total basis and holding
period (so the per-share basis is divided by the ratio; Pub. 550, "Stock splits");
a rename moves the lots to the new symbol. The lot quantity is kept to Alpaca's
1e-9-share increment; cash in lieu of a fraction is not modelled in the lots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import attrs

from tradecore.domain.books.events import events, trade_date
from tradecore.domain.books.holding_period import Term, term_of
from tradecore.domain.books.lots import ClosedLot, Lot, WashSale
from tradecore.domain.books.relief import ReliefMethod, relief_order
from tradecore.domain.books.replacements import Purchase, in_window, purchases
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction
from tradecore.domain.orders.executions import Fill

_ZERO = Decimal(0)
#: Precision of a pro-rata share of a basis, a fee or a disallowed loss.
STEP = Decimal("1e-10")
#: Alpaca's fractional share increment: a split lot's quantity is kept to it.
SHARE_STEP = Decimal("0.000000001")


def share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``amount * part / whole`` to :data:`STEP` (exactly ``amount`` for the whole)."""
    return amount if part == whole else (amount * part / whole).quantize(STEP)


@attrs.frozen(kw_only=True, slots=True)
class Books:
    """The books view at a date: open lots, closed lots, wash sales."""

    open_lots: tuple[Lot, ...]
    closed: tuple[ClosedLot, ...]
    wash_sales: tuple[WashSale, ...]
    method: ReliefMethod

    def positions(self) -> dict[str, Decimal]:
        """Signed shares per symbol over the open lots (flat symbols left out)."""
        held: dict[str, Decimal] = {}
        for lot in self.open_lots:
            held[lot.symbol] = held.get(lot.symbol, _ZERO) + lot.signed_qty
        return {s: q for s, q in sorted(held.items()) if q != 0}

    def lots_of(self, symbol: str) -> tuple[Lot, ...]:
        """The open lots of ``symbol``, in relief (FIFO) order."""
        return tuple(lot for lot in self.open_lots if lot.symbol == symbol)

    def realized(self) -> Decimal:
        """Form 8949 gains over every closed lot (wash-sale adjusted)."""
        return sum((c.gain for c in self.closed), _ZERO)

    def deferred_wash(self) -> Decimal:
        """Disallowed losses now in the basis of open lots (not yet realized)."""
        return sum((lot.wash_adjustment for lot in self.open_lots), _ZERO)

    def open_cost(self) -> Decimal:
        """Cash paid for open longs minus cash received for open shorts, before
        wash-sale adjustments (what the lots still hold of the account's cash)."""
        return sum(
            (lot.signed_basis - lot.wash_adjustment for lot in self.open_lots), _ZERO
        )


def compute_books(
    fills: Sequence[Fill],
    *,
    method: ReliefMethod = ReliefMethod.FIFO,
    actions: Sequence[CorporateAction] = (),
    identified: Mapping[str, Sequence[str]] | None = None,
    strategies: Mapping[str, str] | None = None,
    through: date | None = None,
) -> Books:
    """The books after ``fills`` (in the order they happened).

    Args:
        method: how a close picks the lots it relieves.
        actions: corporate actions (splits and renames change lots).
        identified: specific identification: a closing fill's execution id to the
            lot ids it sells, in order (unnamed shares are relieved FIFO).
        strategies: a client order id to the strategy that sent it.
        through: ignore fills traded after this New York date (``None``: all).
    """
    if through is not None:
        fills = [f for f in fills if trade_date(f.filled_at) <= through]
    keeper = _LotKeeper(
        method,
        purchases(fills, actions, through),
        identified or {},
        strategies or {},
    )
    for index, item in events(fills, actions, through):
        if isinstance(item, CorporateAction):
            keeper.act(item)
        else:
            keeper.fill(index, item)
    return keeper.books()


@attrs.define(slots=True)
class _Pending:
    """A disallowed loss waiting for its replacement purchase to open."""

    qty: Decimal
    amount: Decimal
    held_days: timedelta
    sale: ClosedLot


class _LotKeeper:
    """The mutable walk behind :func:`compute_books`."""

    def __init__(
        self,
        method: ReliefMethod,
        bought: Mapping[str, Sequence[Purchase]],
        identified: Mapping[str, Sequence[str]],
        strategies: Mapping[str, str],
    ) -> None:
        self.method = method
        self.bought = bought
        self.identified = identified
        self.strategies = strategies
        self.lots: dict[str, list[Lot]] = {}
        self.closed: list[ClosedLot] = []
        self.washes: list[WashSale] = []
        self.capacity = {p.execution_id: p.qty for ps in bought.values() for p in ps}
        self.pending: dict[str, list[_Pending]] = {}
        self.seq = 0
        self.index = 0
        #: Shares of each lot the current closing fill sells.
        self.selling: dict[str, Decimal] = {}

    def books(self) -> Books:
        lots = tuple(lot for s in sorted(self.lots) for lot in self.lots[s])
        return Books(
            open_lots=lots,
            closed=tuple(self.closed),
            wash_sales=tuple(self.washes),
            method=self.method,
        )

    # --- corporate actions ---------------------------------------------------------

    def act(self, action: CorporateAction) -> None:
        lots = self.lots.pop(action.symbol, [])
        if action.kind is ActionKind.NAME_CHANGE and action.new_symbol:
            moved = [attrs.evolve(lot, symbol=action.new_symbol) for lot in lots]
            self.lots.setdefault(action.new_symbol, []).extend(moved)
        elif action.ratio is not None and lots:
            ratio = action.ratio
            self.lots[action.symbol] = [
                attrs.evolve(
                    lot, qty=(lot.qty * ratio).quantize(SHARE_STEP, ROUND_DOWN)
                )
                for lot in lots
            ]

    # --- fills ---------------------------------------------------------------------

    def fill(self, index: int, fill: Fill) -> None:
        self.index = index
        lots = self.lots.setdefault(fill.symbol, [])
        held = sum((lot.signed_qty for lot in lots), _ZERO)
        signed = fill.signed_qty
        closing = min(abs(signed), abs(held)) if held * signed < 0 else _ZERO
        closing_fee = share(fill.fee, closing, fill.qty)
        if closing:
            self._close(fill, closing, closing_fee, short=held < 0)
        rest = fill.qty - closing
        if rest:
            self._open(fill, rest, fill.fee - closing_fee, short=signed < 0)

    def _open(self, fill: Fill, qty: Decimal, fee: Decimal, *, short: bool) -> None:
        day = trade_date(fill.filled_at)
        value = fill.price * qty
        self.seq += 1
        lot = Lot(
            lot_id=fill.execution_id,
            symbol=fill.symbol,
            qty=qty,
            short=short,
            basis=value - fee if short else value + fee,
            acquired=day,
            opened=day,
            opened_by=fill.execution_id,
            seq=self.seq,
            strategy=self.strategies.get(fill.client_order_id, ""),
        )
        pieces: list[Lot] = []
        rest: Lot | None = lot
        for waiting in self.pending.pop(fill.execution_id, []):
            if rest is None:
                break
            carved, rest = _carve(rest, waiting.qty)
            pieces.append(self._replace(carved, waiting))
        self.lots[fill.symbol].extend([*pieces, *_some(rest)])

    def _close(self, fill: Fill, qty: Decimal, fee: Decimal, *, short: bool) -> None:
        """Relieve ``qty`` shares; the lots this fill sells are planned first, so
        none of them serves as a wash-sale replacement for another."""
        lots = self.lots[fill.symbol]
        named = self.identified.get(fill.execution_id, ())
        plan: list[tuple[str, Decimal]] = []
        left = qty
        for lot in relief_order(lots, self.method, named):
            if not left:
                break
            take = min(left, lot.qty)
            plan.append((lot.lot_id, take))
            left -= take
        self.selling = dict(plan)
        fee_left = fee
        for lot_id, take in plan:
            piece_fee = fee_left if lot_id == plan[-1][0] else share(fee, take, qty)
            fee_left -= piece_fee
            lot = next(lot for lot in self.lots[fill.symbol] if lot.lot_id == lot_id)
            self._close_lot(fill, lot, take, piece_fee)
        self.selling = {}

    def _close_lot(self, fill: Fill, lot: Lot, qty: Decimal, fee: Decimal) -> None:
        day = trade_date(fill.filled_at)
        removed = share(lot.basis, qty, lot.qty)
        wash_in = share(lot.wash_adjustment, qty, lot.qty)
        value = fill.price * qty
        lots = self.lots[lot.symbol]
        at = lots.index(lot)
        if qty == lot.qty:
            del lots[at]
        else:
            lots[at] = attrs.evolve(
                lot,
                qty=lot.qty - qty,
                basis=lot.basis - removed,
                wash_adjustment=lot.wash_adjustment - wash_in,
            )
        closed = ClosedLot(
            lot_id=lot.lot_id,
            symbol=lot.symbol,
            qty=qty,
            short=lot.short,
            acquired=day if lot.short else lot.acquired,
            sold=day,
            closed=day,
            proceeds=removed if lot.short else value - fee,
            cost_basis=value + fee if lot.short else removed,
            wash_disallowed=_ZERO,
            wash_in_basis=wash_in,
            term=Term.SHORT if lot.short else term_of(lot.acquired, day),
            closed_by=fill.execution_id,
            strategy=self.strategies.get(fill.client_order_id, ""),
        )
        loss = closed.cost_basis - closed.proceeds
        if not lot.short and loss > 0:
            closed = self._wash(closed, lot, loss)
        self.closed.append(closed)

    # --- wash sales ----------------------------------------------------------------

    def _wash(self, sale: ClosedLot, lot: Lot, loss: Decimal) -> ClosedLot:
        """Disallow the part of ``loss`` replacement purchases cover.

        Each purchase's part is the cumulative pro-rata loss to 1e-10 minus what the
        earlier ones took, so a fully replaced sale disallows exactly its loss.
        """
        held_days = sale.sold - lot.acquired
        replaced = disallowed = _ZERO
        candidates = in_window(self.bought, sale.symbol, sale.sold, lot.opened_by)
        for purchase in candidates:
            take = min(sale.qty - replaced, self._available(purchase))
            if take <= 0:
                continue
            replaced += take
            amount = share(loss, replaced, sale.qty) - disallowed
            disallowed += amount
            self.capacity[purchase.execution_id] -= take
            waiting = _Pending(take, amount, held_days, sale)
            if purchase.index < self.index:
                self._adjust_held(purchase, waiting)
            else:
                self.pending.setdefault(purchase.execution_id, []).append(waiting)
            if replaced == sale.qty:
                break
        return attrs.evolve(sale, wash_disallowed=disallowed) if disallowed else sale

    def _held_from(self, purchase: Purchase) -> list[tuple[Lot, Decimal]]:
        """Open long lots of ``purchase`` not yet used as replacement shares, with
        the shares of each the current fill is not selling."""
        held = []
        for lot in self.lots.get(purchase.symbol, []):
            if lot.opened_by != purchase.execution_id or lot.replacement or lot.short:
                continue
            free = lot.qty - self.selling.get(lot.lot_id, _ZERO)
            if free > 0:
                held.append((lot, free))
        return held

    def _available(self, purchase: Purchase) -> Decimal:
        """Replacement shares ``purchase`` still offers (bought earlier: only those
        still held, not being sold, and not yet a replacement)."""
        left = self.capacity.get(purchase.execution_id, _ZERO)
        if purchase.index > self.index:
            return left
        return min(left, sum((free for _, free in self._held_from(purchase)), _ZERO))

    def _adjust_held(self, purchase: Purchase, waiting: _Pending) -> None:
        """Carve the replacement shares out of the held lots of an earlier purchase
        (the carved part gets a new lot id; the rest keeps the lot's id)."""
        lots = self.lots[purchase.symbol]
        taken = assigned = _ZERO
        for lot, free in self._held_from(purchase):
            take = min(waiting.qty - taken, free)
            if take <= 0:
                break
            taken += take
            amount = share(waiting.amount, taken, waiting.qty) - assigned
            assigned += amount
            part = _Pending(take, amount, waiting.held_days, waiting.sale)
            carved, rest = _carve(lot, take)
            place = lots.index(lot)
            lots[place : place + 1] = [self._replace(carved, part), *_some(rest)]

    def _replace(self, carved: Lot, waiting: _Pending) -> Lot:
        """``carved`` as a replacement lot: loss added to basis, holding period tacked."""
        lot = attrs.evolve(
            carved,
            lot_id=f"{carved.lot_id}/w{len(self.washes) + 1}",
            basis=carved.basis + waiting.amount,
            wash_adjustment=carved.wash_adjustment + waiting.amount,
            acquired=carved.acquired - waiting.held_days,
            replacement=True,
        )
        sale = waiting.sale
        self.washes.append(
            WashSale(
                lot_id=sale.lot_id,
                symbol=sale.symbol,
                sold=sale.sold,
                closed_by=sale.closed_by,
                qty=waiting.qty,
                disallowed=waiting.amount,
                replacement_fill=carved.opened_by,
                replacement_date=carved.opened,
                replacement_lot=lot.lot_id,
            )
        )
        return lot


def _carve(lot: Lot, qty: Decimal) -> tuple[Lot, Lot | None]:
    """Split ``qty`` shares off ``lot``: (the part, the rest or ``None``)."""
    qty = min(qty, lot.qty)
    if qty == lot.qty:
        return lot, None
    basis = share(lot.basis, qty, lot.qty)
    wash = share(lot.wash_adjustment, qty, lot.qty)
    part = attrs.evolve(lot, qty=qty, basis=basis, wash_adjustment=wash)
    rest = attrs.evolve(
        lot,
        qty=lot.qty - qty,
        basis=lot.basis - basis,
        wash_adjustment=lot.wash_adjustment - wash,
    )
    return part, rest


def _some(lot: Lot | None) -> list[Lot]:
    return [] if lot is None else [lot]
