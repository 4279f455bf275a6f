"""Account rules: shorts need a margin account with shorting enabled.

Alpaca refuses a short sale with a 403, code 40310000, "account is not allowed to
short" (alpaca-trade-api-js#57) when the account has ``shorting_enabled`` false (the
``no_shorting`` account configuration, alpaca-py ``TradeAccountConfiguration``), and
a cash account (``multiplier`` "1") cannot short at all: short selling needs margin
(docs.alpaca.markets "Margin and Short Selling": "you must have a margin account to
short"). The same answer is given for both.
"""

from __future__ import annotations

from tradecore.domain.broker_rules.assets import opens_short
from tradecore.domain.broker_rules.breach import FORBIDDEN, RuleBreach
from tradecore.domain.broker_rules.context import RuleContext
from tradecore.domain.orders.spec import OrderSpec

SOURCE = (
    "alpaca-trade-api-js#57 (403 40310000 'account is not allowed to short'); "
    "docs.alpaca.markets/docs/margin-and-short-selling"
)


def can_short(multiplier: int, shorting_enabled: bool) -> bool:
    """Whether an account with these flags may sell short (margin and enabled)."""
    return shorting_enabled and multiplier > 1


def shorting_not_allowed(spec: OrderSpec, context: RuleContext) -> RuleBreach | None:
    """Refuse a short from a cash account or one with shorting disabled."""
    account = context.account
    if can_short(account.multiplier, account.shorting_enabled):
        return None
    if not opens_short(spec, context):
        return None
    return RuleBreach(
        rule="shorting_not_allowed",
        message="account is not allowed to short",
        status=403,
        code=FORBIDDEN,
        source=SOURCE,
    )
