"""What a broker knows about an order besides the order: the asset, the account, the book.

The simulated venue builds it from its own state; the Alpaca adapter from what it
cached this session (``/v2/assets``, ``/v2/account``, its own resting orders and
positions). A rule reads only this and the :class:`OrderSpec`, so the venue and the
adapter's pre-send check apply one implementation of Alpaca's rules.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain.orders.spec import OrderType, Side

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

    def held_for_sells(self) -> Decimal:
        """Shares already promised to resting sell orders (``held_for_orders``)."""
        return sum((o.open_qty for o in self.resting if o.side is Side.SELL), _ZERO)

    def held_for_buys(self) -> Decimal:
        """Shares resting buy orders would cover of a short position."""
        return sum((o.open_qty for o in self.resting if o.side is Side.BUY), _ZERO)
