"""Every rule's refusal, worded as the venue and emulator word it, comes back named.

A regression guard for overlapping patterns: "fractional orders are not allowed to
short" once matched the account-level shorting pattern first and came back as
``shorting_not_allowed``.
"""

from __future__ import annotations

import pytest

from tradecore.adapters.alpaca.rule_answers import KNOWN_ANSWERS, recognised_rule

#: (rule, status, message) exactly as ``tradecore.domain.broker_rules`` words them.
ANSWERS = [
    ("sub_penny_price", 422, "invalid limit_price 11.055. sub-penny increment does "
     "not fulfill minimum pricing criteria"),
    ("fractional_not_day", 422, "fractional orders must be DAY orders"),
    ("fractional_not_fractionable", 422, "asset XYZ is not fractionable"),
    ("fractional_short", 403, "fractional orders are not allowed to short"),
    ("buy_below_minimum", 422, "cost basis must be >= 1"),
    ("advanced_order_time_in_force", 422, "bracket orders must be day or gtc orders"),
    ("advanced_order_extended_hours", 422,
     "extended hours are not supported for oco orders"),
    ("bracket_not_entry", 422, "bracket orders must be entry orders"),
    ("take_profit_off_base", 422,
     "take profit price must be greater than base_price + 0.01"),
    ("stop_loss_off_base", 422, "stop price must be less than base_price - 0.01"),
    ("insufficient_qty_available", 403,
     "insufficient qty available for order (requested: 5, available: 2)"),
    ("wash_trade", 403, "potential wash trade detected. use complex orders"),
    ("wash_trade", 422, "potential wash trade detected. use complex orders"),
    ("asset_not_active", 422, 'asset "XYZ" is not active'),
    ("asset_not_tradable", 422, 'asset "XYZ" is not tradable'),
    ("asset_not_shortable", 422, 'asset "XYZ" cannot be sold short'),
    ("hard_to_borrow", 422,
     'only day orders are allowed for hard-to-borrow asset "XYZ"'),
    ("opg_window", 422,
     "OPG orders submitted after 9:28am ET but before 7:00pm ET are rejected"),
    ("cls_window", 422,
     "CLS orders submitted after 3:50pm ET but before 7:00pm ET are rejected"),
    ("shorting_not_allowed", 403, "account is not allowed to short"),
    ("pattern_day_trading", 403, "trade denied due to pattern day trading protection"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "status", "message"), ANSWERS)
def test_each_refusal_is_named_by_its_own_rule(rule, status, message):
    breach = recognised_rule(status, 42210000, message)
    assert breach is not None
    assert breach.rule == rule
    assert breach.message == message


def test_every_known_answer_is_exercised_here():
    assert {a.rule for a in KNOWN_ANSWERS} == {rule for rule, _, _ in ANSWERS}


def test_an_unknown_message_names_no_rule():
    assert recognised_rule(422, 42210000, "something new from Alpaca") is None
    assert recognised_rule(403, 40310000, "insufficient buying power") is None
