"""Price increments: no sub-penny limit or stop prices (SEC Rule 612, as Alpaca applies it).

Alpaca refuses a limit or stop price with more decimals than the tick allows: two
decimals at or above $1.00, four below. Its answer is a 422, code 42210000, "invalid
limit_price 11.055. sub-penny increment does not fulfill minimum pricing criteria"
(alpaca-trade-api-csharp#497, alpaca-trade-api-go#260; Reg NMS Rule 612). Bracket leg
prices obey the same increment.
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.broker_rules.breach import UNPROCESSABLE, RuleBreach
from tradecore.domain.orders.money import price_increment
from tradecore.domain.orders.spec import OrderSpec

SOURCE = "alpaca-trade-api-csharp#497; alpaca-trade-api-go#260; Reg NMS Rule 612"


def on_tick(price: Decimal) -> bool:
    """Whether ``price`` is a whole number of ticks ($0.01 from $1.00, else $0.0001)."""
    return price % price_increment(price) == 0


def _priced_fields(spec: OrderSpec) -> list[tuple[str, Decimal]]:
    fields = [("limit_price", spec.limit_price), ("stop_price", spec.stop_price)]
    if (bracket := spec.bracket) is not None:
        fields += [
            ("take_profit.limit_price", bracket.take_profit_limit),
            ("stop_loss.stop_price", bracket.stop_loss_stop),
            ("stop_loss.limit_price", bracket.stop_loss_limit),
        ]
    return [(name, price) for name, price in fields if price is not None]


def sub_penny_price(spec: OrderSpec) -> RuleBreach | None:
    """Refuse the first price off its tick, with Alpaca's message."""
    for name, price in _priced_fields(spec):
        if not on_tick(price):
            message = (
                f"invalid {name} {price}. sub-penny increment does not fulfill "
                "minimum pricing criteria"
            )
            return RuleBreach(
                rule="sub_penny_price",
                message=message,
                status=422,
                code=UNPROCESSABLE,
                source=SOURCE,
            )
    return None
