"""Name the Alpaca order rule behind a refusal, from the answer's status and message.

Alpaca reuses its codes across rules (42210000 for a sub-penny price and for a wash
trade; 40310000 for buying power and for shares held), so the rule is recognised by
the documented message, and only on a status and code that already prove a refusal
(:mod:`tradecore.adapters.alpaca.errors`). An answer no pattern matches stays a plain
:class:`~tradecore.domain.errors.BrokerRejected`: recognising a rule names it, it
never changes whether the order counts as refused.
"""

from __future__ import annotations

import re

import attrs

from tradecore.domain.broker_rules import accounts, assets, day_trading, order_windows
from tradecore.domain.broker_rules.breach import RuleBreach


@attrs.frozen(kw_only=True, slots=True)
class KnownAnswer:
    """One rule's refusal as Alpaca words it."""

    rule: str
    status: int
    pattern: re.Pattern[str]
    source: str


#: Alpaca's refusal messages, most specific first (sources: docs/ALPACA-FIDELITY.md).
KNOWN_ANSWERS: tuple[KnownAnswer, ...] = (
    KnownAnswer(
        rule="sub_penny_price",
        status=422,
        pattern=re.compile(r"sub-penny increment", re.IGNORECASE),
        source="alpaca-trade-api-go#260",
    ),
    KnownAnswer(
        rule="hard_to_borrow",
        status=422,
        pattern=re.compile(r"only day orders are allowed for hard-to-borrow", re.I),
        source=assets.SOURCE_HARD_TO_BORROW,
    ),
    KnownAnswer(
        rule="asset_not_shortable",
        status=422,
        pattern=re.compile(r"cannot be sold short", re.IGNORECASE),
        source=assets.SOURCE_SHORTABLE,
    ),
    KnownAnswer(
        rule="asset_not_active",
        status=422,
        pattern=re.compile(r"asset .* is not active", re.IGNORECASE),
        source=assets.SOURCE_ASSETS,
    ),
    KnownAnswer(
        rule="asset_not_tradable",
        status=422,
        pattern=re.compile(r"asset .* is not tradable", re.IGNORECASE),
        source=assets.SOURCE_ASSETS,
    ),
    KnownAnswer(
        rule="opg_window",
        status=422,
        pattern=re.compile(r"^OPG orders submitted after", re.IGNORECASE),
        source=order_windows.SOURCE,
    ),
    KnownAnswer(
        rule="cls_window",
        status=422,
        pattern=re.compile(r"^CLS orders submitted after", re.IGNORECASE),
        source=order_windows.SOURCE,
    ),
    KnownAnswer(
        rule="shorting_not_allowed",
        status=403,
        pattern=re.compile(r"account is not allowed to short", re.IGNORECASE),
        source=accounts.SOURCE,
    ),
    KnownAnswer(
        rule="pattern_day_trading",
        status=403,
        pattern=re.compile(r"pattern day trading protection", re.IGNORECASE),
        source=day_trading.SOURCE,
    ),
    KnownAnswer(
        rule="fractional_not_day",
        status=422,
        pattern=re.compile(r"fractional orders must be day", re.IGNORECASE),
        source="alpaca-java#140",
    ),
    KnownAnswer(
        rule="fractional_not_fractionable",
        status=422,
        pattern=re.compile(r"is not fractionable", re.IGNORECASE),
        source="docs.alpaca.markets/docs/trading-1 (closest wording)",
    ),
    KnownAnswer(
        rule="fractional_short",
        status=403,
        pattern=re.compile(r"fractional orders are not allowed to short", re.I),
        source="alpaca-trade-api-python#405",
    ),
    KnownAnswer(
        rule="buy_below_minimum",
        status=422,
        pattern=re.compile(r"cost basis must be >= ?1\b", re.IGNORECASE),
        source="ALPACA.md §3 ($1 minimum)",
    ),
    KnownAnswer(
        rule="advanced_order_time_in_force",
        status=422,
        pattern=re.compile(r"(bracket|oto|oco) orders must be day or gtc", re.I),
        source="docs.alpaca.markets Orders at Alpaca (closest wording)",
    ),
    KnownAnswer(
        rule="advanced_order_extended_hours",
        status=422,
        pattern=re.compile(r"extended hours are not supported for (bracket|oto|oco)"),
        source="docs.alpaca.markets Orders at Alpaca (closest wording)",
    ),
    KnownAnswer(
        rule="bracket_not_entry",
        status=422,
        pattern=re.compile(r"bracket orders must be entry orders", re.IGNORECASE),
        source="forum.alpaca.markets t/13159; alpaca-trade-api-js#248",
    ),
    KnownAnswer(
        rule="take_profit_off_base",
        status=422,
        pattern=re.compile(r"take profit price must be", re.IGNORECASE),
        source="Alpaca-API#166 (mirrored wording)",
    ),
    KnownAnswer(
        rule="stop_loss_off_base",
        status=422,
        pattern=re.compile(r"stop price must be (less|greater) than base_price", re.I),
        source="Alpaca-API#166",
    ),
    # Reports differ on the status of a wash-trade refusal (403 or 422).
    KnownAnswer(
        rule="wash_trade",
        status=403,
        pattern=re.compile(r"potential wash trade", re.IGNORECASE),
        source="forum.alpaca.markets t/13817",
    ),
    KnownAnswer(
        rule="wash_trade",
        status=422,
        pattern=re.compile(r"potential wash trade", re.IGNORECASE),
        source="alpaca-java#145",
    ),
    KnownAnswer(
        rule="insufficient_qty_available",
        status=403,
        pattern=re.compile(r"insufficient qty available", re.IGNORECASE),
        source="forum.alpaca.markets t/16594",
    ),
)


def recognised_rule(status: int, code: int | None, message: str) -> RuleBreach | None:
    """The rule a refusal's message names, as a breach carrying Alpaca's answer."""
    for known in KNOWN_ANSWERS:
        if known.status == status and known.pattern.search(message):
            return RuleBreach(
                rule=known.rule,
                message=message,
                status=status,
                code=0 if code is None else code,
                source=known.source,
            )
    return None
