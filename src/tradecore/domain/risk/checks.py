"""Pre-trade risk checks: pure functions from an order and the book to a verdict.

Each rule returns a :class:`RiskVerdict` naming the rule and the numbers that decided
it, so a refusal can be recorded as ``skipped(risk:<rule>)`` with its values.

The full limit set lives in :mod:`tradecore.domain.risk.limits`, the rules in
:mod:`tradecore.domain.risk.rules` and the checker that runs all of them (with the
trading state) in :mod:`tradecore.domain.risk.pre_trade`. :func:`check_order` is the small
size/position/short check the engine uses when no risk gate is configured.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.limits import RiskLimits

__all__ = ["PASSED", "RiskLimits", "RiskVerdict", "check_order"]


@attrs.frozen
class RiskVerdict:
    """The outcome of the checks: passed, or the rule that refused and its numbers."""

    rule: str | None = None
    values: dict[str, str] = attrs.field(factory=dict)

    @property
    def passed(self) -> bool:
        """True when no rule refused."""
        return self.rule is None


PASSED = RiskVerdict()


def check_order(
    limits: RiskLimits, *, side: Side, qty: Decimal, price: Decimal, position: Decimal
) -> RiskVerdict:
    """Check one order of ``qty`` at about ``price`` against ``limits``.

    ``position`` is the signed position including working orders, before this one.
    """
    notional = qty * price
    after = position + (qty if side is Side.BUY else -qty)
    checks = (
        ("max_order_shares", limits.max_order_shares, qty),
        ("max_order_notional", limits.max_order_notional, notional),
        ("max_position_shares", limits.max_position_shares, abs(after)),
    )
    for rule, limit, value in checks:
        if limit is not None and value > limit:
            return RiskVerdict(rule, {"limit": str(limit), "value": str(value)})
    if not limits.allow_short and after < 0:
        return RiskVerdict("no_short", {"position_after": str(after)})
    return PASSED
