"""What a broker knows about an order besides the order: the asset, the account, the book.

The simulated venue builds it from its own state; the Alpaca adapter from what it
cached this session (``/v2/assets``, ``/v2/account``, its own resting orders and
positions). A rule reads only this and the :class:`OrderSpec`, so the venue and the
adapter's pre-send check apply one implementation of Alpaca's rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.orders.spec import OrderSpec, OrderType, Side

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True, slots=True)
class AssetFlags:
    """An asset as ``GET /v2/assets/{symbol}`` describes it (alpaca-py ``Asset``)."""

    symbol: str
    tradable: bool = True
    shortable: bool = True
    easy_to_borrow: bool = True
    fractionable: bool = True
    marginable: bool = True
    #: ``active`` or ``inactive`` (alpaca-py ``AssetStatus``).
    status: str = "active"


@attrs.frozen(kw_only=True, slots=True)
class AccountFlags:
    """The account fields Alpaca's order rules depend on (alpaca-py ``TradeAccount``)."""

    #: 1 for a cash account, 2 or 4 for margin (``multiplier``).
    multiplier: int = 4
    shorting_enabled: bool = True
    equity: Decimal = _ZERO
    #: Day trades in the last five sessions (``daytrade_count``; ``None`` when the
    #: account payload no longer carries it).
    daytrade_count: int | None = None
    pattern_day_trader: bool = False


@attrs.frozen(kw_only=True, slots=True)
class RestingOrder:
    """One of the account's working orders in the symbol (wash-trade and held shares)."""

    broker_order_id: str
    side: Side
    order_type: OrderType
    #: Quantity still open (ordered minus filled).
    open_qty: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


@attrs.frozen(kw_only=True, slots=True)
class RestingSummary:
    """What the book rules read of a symbol's resting orders, without the orders.

    The simulated venue keeps it incrementally (``domain/venue/resting_tally.py``),
    so a check costs the same with 10 or 10,000 orders resting; :func:`summarize`
    is its definition (the property tests compare the two).
    """

    #: Open shares of the resting sells (``held_for_orders`` of a long).
    held_for_sells: Decimal = _ZERO
    #: Open shares of the resting buys (what they would cover of a short).
    held_for_buys: Decimal = _ZERO
    #: The lowest limit price of a resting sell limit order (``None``: none rests).
    lowest_sell_limit: Decimal | None = None
    #: The highest limit price of a resting buy limit order (``None``: none rests).
    highest_buy_limit: Decimal | None = None

    def crossed_by(self, spec: OrderSpec) -> bool:
        """Whether ``spec`` could execute against a resting limit on the other side.

        A market order crosses any; a limit order one priced at or through its own.
        """
        if spec.side is Side.BUY:
            theirs = self.lowest_sell_limit
            if theirs is None:
                return False
            mine = spec.limit_price
            return spec.order_type is OrderType.MARKET or (
                mine is not None and mine >= theirs
            )
        theirs = self.highest_buy_limit
        if theirs is None:
            return False
        mine = spec.limit_price
        return spec.order_type is OrderType.MARKET or (
            mine is not None and mine <= theirs
        )


def summarize(resting: Iterable[RestingOrder]) -> RestingSummary:
    """The :class:`RestingSummary` of ``resting``, walking every order."""
    sells = buys = _ZERO
    low: Decimal | None = None
    high: Decimal | None = None
    for o in resting:
        limit = o.limit_price if o.order_type is OrderType.LIMIT else None
        if o.side is Side.SELL:
            sells += o.open_qty
            if limit is not None and (low is None or limit < low):
                low = limit
        else:
            buys += o.open_qty
            if limit is not None and (high is None or limit > high):
                high = limit
    return RestingSummary(
        held_for_sells=sells,
        held_for_buys=buys,
        lowest_sell_limit=low,
        highest_buy_limit=high,
    )


@attrs.frozen(kw_only=True, slots=True)
class RuleContext:
    """Everything besides the order that decides whether the broker takes it."""

    asset: AssetFlags
    account: AccountFlags
    #: When the order is sent (market hours, order-type windows).
    now: datetime
    #: The price a bracket's legs are measured against and a notional is sized at:
    #: the last trade (or close) the broker knows; ``None`` when it knows none.
    reference_price: Decimal | None = None
    #: Signed shares held in the symbol.
    position: Decimal = _ZERO
    #: The account's working orders in the symbol, oldest first.
    resting: tuple[RestingOrder, ...] = ()
    #: Signed shares of the position opened in the current session (day trades).
    opened_today: Decimal = _ZERO
    #: The open and close of the session on ``now``'s exchange date (``None``: no
    #: session that day, or not known): the auction orders' cut-offs.
    session_open: datetime | None = None
    session_close: datetime | None = None

    #: The resting orders summarized (the simulated venue's form: it keeps this
    #: incrementally and leaves ``resting`` empty); ``None``: read ``resting``.
    summary: RestingSummary | None = None

    def resting_summary(self) -> RestingSummary:
        """The resting orders as the book rules read them."""
        summary = self.summary
        return summarize(self.resting) if summary is None else summary

    def held_for_sells(self) -> Decimal:
        """Shares already promised to resting sell orders (``held_for_orders``)."""
        return self.resting_summary().held_for_sells

    def held_for_buys(self) -> Decimal:
        """Shares resting buy orders would cover of a short position."""
        return self.resting_summary().held_for_buys
