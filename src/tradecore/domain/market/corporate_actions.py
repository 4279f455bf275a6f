"""Corporate actions that change what a share is: splits, cash dividends, renames.

The kinds and fields follow Alpaca's corporate-actions API (alpaca-py
``alpaca/data/models/corporate_actions.py``: ``ForwardSplit``/``ReverseSplit`` carry
``new_rate``/``old_rate``, ``CashDividend`` a per-share ``rate``, ``NameChange``
``old_symbol``/``new_symbol``; every one an ``ex_date`` or ``process_date``). A split's
ratio is new shares per old share: 4 for a 4-for-1 split, 0.1 for a 1-for-10 reverse
split. Everything is exact (``Decimal``) and keyed by date, so a replay applies an
action on its ex-date and research back-adjusts prices before it (point in time).
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput


class ActionKind(enum.StrEnum):
    """The corporate actions tradecore applies (Alpaca's ``CorporateActionsType``)."""

    FORWARD_SPLIT = "forward_split"
    REVERSE_SPLIT = "reverse_split"
    CASH_DIVIDEND = "cash_dividend"
    NAME_CHANGE = "name_change"


_SPLITS = (ActionKind.FORWARD_SPLIT, ActionKind.REVERSE_SPLIT)


@attrs.frozen(kw_only=True, slots=True)
class CorporateAction:
    """One action on one symbol, effective at the open of ``ex_date``.

    ``ratio`` (splits) is new shares per old share; ``cash`` (dividends) is paid per
    share held at the close before ``ex_date``; ``new_symbol`` (renames) is what the
    symbol trades as from ``ex_date`` on (Alpaca's ``process_date``).
    """

    symbol: str = attrs.field(validator=v.symbol)
    kind: ActionKind = attrs.field(validator=v.instance_of(ActionKind))
    ex_date: date = attrs.field(validator=v.instance_of(date))
    ratio: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    cash: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    new_symbol: str | None = None
    payable_date: date | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind in _SPLITS:
            self._check_ratio(self.ratio)
        if self.kind is ActionKind.CASH_DIVIDEND and self.cash is None:
            raise InvalidInput("cash", None, "a cash dividend needs an amount")
        if self.kind is ActionKind.NAME_CHANGE and not self.new_symbol:
            raise InvalidInput("new_symbol", self.new_symbol, "a rename needs one")

    def _check_ratio(self, ratio: Decimal | None) -> None:
        if ratio is None:
            raise InvalidInput("ratio", None, f"a {self.kind} needs a ratio")
        forward = self.kind is ActionKind.FORWARD_SPLIT
        if (ratio <= 1) if forward else (ratio >= 1):
            rule = "a forward split is > 1" if forward else "a reverse split is < 1"
            raise InvalidInput("ratio", ratio, rule)

    @property
    def is_split(self) -> bool:
        """Whether the action changes the share count (forward or reverse split)."""
        return self.kind in _SPLITS

    @classmethod
    def split(cls, symbol: str, ex_date: date, new: int, old: int) -> CorporateAction:
        """A ``new``-for-``old`` split (4, 1: four shares for one)."""
        ratio = Decimal(new) / Decimal(old)
        kind = ActionKind.FORWARD_SPLIT if ratio > 1 else ActionKind.REVERSE_SPLIT
        return cls(symbol=symbol, kind=kind, ex_date=ex_date, ratio=ratio)

    @classmethod
    def dividend(
        cls, symbol: str, ex_date: date, cash: Decimal, payable: date | None = None
    ) -> CorporateAction:
        """A cash dividend of ``cash`` per share."""
        return cls(
            symbol=symbol,
            kind=ActionKind.CASH_DIVIDEND,
            ex_date=ex_date,
            cash=cash,
            payable_date=payable,
        )
