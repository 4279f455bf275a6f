"""Alpaca's corporate-action items as the domain's actions (recorded shapes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tradecore.adapters.alpaca.history import parse_action
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

#: Shapes as alpaca-py 0.44's models declare them (alpaca/data/models/corporate_actions.py).
FORWARD = {
    "id": "0f6ee1d4-3c8e-4b1a-9f0e-1f2d3c4b5a69",
    "symbol": "AAPL",
    "cusip": "037833100",
    "new_rate": 4,
    "old_rate": 1,
    "process_date": "2020-08-31",
    "ex_date": "2020-08-31",
    "record_date": "2020-08-24",
    "payable_date": "2020-08-28",
}
REVERSE = {
    "symbol": "XYZ",
    "old_cusip": "A",
    "new_cusip": "B",
    "new_rate": 1,
    "old_rate": 10,
    "process_date": "2024-03-04",
    "ex_date": "2024-03-04",
    "payable_date": None,
}
DIVIDEND = {
    "symbol": "MSFT",
    "cusip": "594918104",
    "rate": 0.83,
    "special": False,
    "foreign": False,
    "process_date": "2025-08-21",
    "ex_date": "2025-08-21",
    "payable_date": "2025-09-11",
}
RENAME = {
    "old_symbol": "FB",
    "old_cusip": "30303M102",
    "new_symbol": "META",
    "new_cusip": "30303M102",
    "process_date": "2022-06-09",
}


def test_splits_keep_their_exact_ratio() -> None:
    assert parse_action(ActionKind.FORWARD_SPLIT, FORWARD) == CorporateAction(
        symbol="AAPL",
        kind=ActionKind.FORWARD_SPLIT,
        ex_date=date(2020, 8, 31),
        ratio=Decimal(4),
        payable_date=date(2020, 8, 28),
    )
    reverse = parse_action(ActionKind.REVERSE_SPLIT, REVERSE)
    assert reverse is not None
    assert reverse.ratio == Decimal("0.1")
    assert reverse.payable_date is None


def test_a_dividend_is_cash_per_share_as_written() -> None:
    action = parse_action(ActionKind.CASH_DIVIDEND, DIVIDEND)
    assert action == CorporateAction.dividend(
        "MSFT", date(2025, 8, 21), Decimal("0.83"), date(2025, 9, 11)
    )


def test_a_rename_is_dated_by_its_process_date() -> None:
    action = parse_action(ActionKind.NAME_CHANGE, RENAME)
    assert action is not None
    assert (action.symbol, action.new_symbol, action.ex_date) == (
        "FB",
        "META",
        date(2022, 6, 9),
    )


def test_an_item_the_domain_refuses_is_skipped() -> None:
    one_for_one = FORWARD | {"new_rate": 1, "old_rate": 1}
    assert parse_action(ActionKind.FORWARD_SPLIT, one_for_one) is None
