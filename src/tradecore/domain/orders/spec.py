"""Order value objects: side, type, time in force, and the order spec sent to a broker.

Fields added after specs were first stored (trailing stops, OCO) carry
:data:`OMIT_IF_DEFAULT` metadata: while at their default they are left out of the
canonical hash (:mod:`tradecore.domain.hashing`) and of the stored JSON, so every spec
written before they existed keeps its hash and its row.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import OMIT_IF_DEFAULT


class Side(enum.StrEnum):
    """Buy or sell; ``sign`` is +1 for buys and -1 for sells."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self is _BUY else -1

    @property
    def opposite(self) -> Side:
        """The side that closes a position this side opened."""
        return _SELL if self is _BUY else _BUY


#: The sides as module constants, for the properties above (read on every fill):
#: on Python 3.11 an enum class's attribute goes through ``EnumType.__getattr__``'s
#: slot hook, about 900 instructions a read (cachegrind), where a global's costs a few.
_BUY, _SELL = Side.BUY, Side.SELL


class OrderType(enum.StrEnum):
    """The order types tradecore sends."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    #: A stop that follows the market: ``trail_price`` or ``trail_percent`` away
    #: from the high-water mark (Alpaca ``trailing_stop``).
    TRAILING_STOP = "trailing_stop"


class TimeInForce(enum.StrEnum):
    """How long an order may rest."""

    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    OPG = "opg"
    CLS = "cls"


_LATER = {OMIT_IF_DEFAULT: True}


@attrs.frozen(kw_only=True, slots=True)
class Bracket:
    """Server-side protection: a take-profit limit and/or a stop-loss (OCO at the broker)."""

    take_profit_limit: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    stop_loss_stop: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    stop_loss_limit: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )

    def __attrs_post_init__(self) -> None:
        if self.take_profit_limit is None and self.stop_loss_stop is None:
            raise InvalidInput("bracket", None, "needs a take-profit or a stop-loss")
        if self.stop_loss_limit is not None and self.stop_loss_stop is None:
            raise InvalidInput("stop_loss_limit", self.stop_loss_limit, "needs a stop")


@attrs.frozen(kw_only=True, slots=True)
class OrderSpec:
    """What to send: exactly one of ``qty`` or ``notional``, with the prices the type needs."""

    symbol: str = attrs.field(validator=v.symbol)
    side: Side = attrs.field(validator=v.instance_of(Side))
    order_type: OrderType = attrs.field(
        default=OrderType.MARKET, validator=v.instance_of(OrderType)
    )
    time_in_force: TimeInForce = attrs.field(
        default=TimeInForce.DAY, validator=v.instance_of(TimeInForce)
    )
    qty: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    notional: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    limit_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    stop_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    bracket: Bracket | None = attrs.field(default=None)
    extended_hours: bool = attrs.field(default=False, validator=v.instance_of(bool))
    #: Trailing stop distance in dollars (exactly one of the two trails).
    trail_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal, metadata=_LATER
    )
    #: Trailing stop distance in percent of the high-water mark.
    trail_percent: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal, metadata=_LATER
    )
    #: An exit-only OCO: this limit order is the take-profit and ``bracket`` carries
    #: the take-profit and the stop-loss leg (Alpaca ``order_class=oco``).
    oco: bool = attrs.field(
        default=False, validator=v.instance_of(bool), metadata=_LATER
    )

    def __attrs_post_init__(self) -> None:
        if (self.qty is None) == (self.notional is None):
            raise InvalidInput(
                "qty/notional", (self.qty, self.notional), "give exactly one"
            )
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit != (self.limit_price is not None):
            raise InvalidInput(
                "limit_price", self.limit_price, self._price_rule("limit")
            )
        if needs_stop != (self.stop_price is not None):
            raise InvalidInput("stop_price", self.stop_price, self._price_rule("stop"))
        if self.notional is not None and self.order_type is not OrderType.MARKET:
            raise InvalidInput("notional", self.notional, "only market orders")
        self._check_trail()
        if self.bracket is not None:
            self._check_bracket(self.bracket)
        if self.oco:
            self._check_oco()
        if self.extended_hours and (
            self.order_type is not OrderType.LIMIT
            or self.time_in_force is not TimeInForce.DAY
        ):
            raise InvalidInput("extended_hours", True, "needs a day limit order")

    def _price_rule(self, kind: str) -> str:
        order_type = self.order_type.value
        return f"a {kind} price is required for this order type, else forbidden ({order_type})"

    def _check_trail(self) -> None:
        trails = (self.trail_price is not None) + (self.trail_percent is not None)
        if self.order_type is OrderType.TRAILING_STOP:
            if trails != 1:
                raise InvalidInput(
                    "trail", (self.trail_price, self.trail_percent), "give exactly one"
                )
        elif trails:
            raise InvalidInput("trail", self.order_type.value, "only trailing stops")

    def _check_oco(self) -> None:
        bracket = self.bracket
        if self.order_type is not OrderType.LIMIT or bracket is None:
            raise InvalidInput("oco", self.order_type.value, "a limit with a bracket")
        if bracket.take_profit_limit is None or bracket.stop_loss_stop is None:
            raise InvalidInput("oco", bracket, "needs a take-profit and a stop-loss")
        if bracket.take_profit_limit != self.limit_price:
            raise InvalidInput("oco", self.limit_price, "limit is the take-profit")

    def _check_bracket(self, bracket: Bracket) -> None:
        if self.qty is None:
            raise InvalidInput("bracket", bracket, "needs a qty order, not notional")
        tp, sl = bracket.take_profit_limit, bracket.stop_loss_stop
        if tp is None or sl is None:
            return
        # For a buy entry the take-profit sits above the stop; for a sell, below.
        # An OCO is the exit itself: its legs are on its own side.
        entry = self.side.opposite if self.oco else self.side
        if (tp <= sl) if entry is Side.BUY else (tp >= sl):
            raise InvalidInput("bracket", (tp, sl), "take-profit on the wrong side")
