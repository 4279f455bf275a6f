"""Order value objects: side, type, time in force, and the order spec sent to a broker."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput


class Side(enum.StrEnum):
    """Buy or sell; ``sign`` is +1 for buys and -1 for sells."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        """The side that closes a position this side opened."""
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(enum.StrEnum):
    """The order types tradecore sends."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(enum.StrEnum):
    """How long an order may rest."""

    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    OPG = "opg"
    CLS = "cls"


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
        if self.bracket is not None:
            self._check_bracket(self.bracket)
        if self.extended_hours and (
            self.order_type is not OrderType.LIMIT
            or self.time_in_force is not TimeInForce.DAY
        ):
            raise InvalidInput("extended_hours", True, "needs a day limit order")

    def _price_rule(self, kind: str) -> str:
        order_type = self.order_type.value
        return f"a {kind} price is required for this order type, else forbidden ({order_type})"

    def _check_bracket(self, bracket: Bracket) -> None:
        if self.qty is None:
            raise InvalidInput("bracket", bracket, "needs a qty order, not notional")
        tp, sl = bracket.take_profit_limit, bracket.stop_loss_stop
        if tp is None or sl is None:
            return
        # For a buy the take-profit sits above the stop; for a sell, below.
        if (tp <= sl) if self.side is Side.BUY else (tp >= sl):
            raise InvalidInput("bracket", (tp, sl), "take-profit on the wrong side")
