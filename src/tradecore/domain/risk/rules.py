"""The pre-trade rules, one function each: ``None`` to pass, else the refusing verdict.

Every limit is inclusive: a value *at* the limit passes, one unit over refuses. The
exposure rules refuse only an order that makes a breached measure *worse*, so an
order that reduces a position always gets through even when prices have pushed the
book over a limit (blocking the exit would be the wrong way to fail).
"""

from __future__ import annotations

from decimal import Decimal

from tradecore.domain.risk.checks import RiskVerdict
from tradecore.domain.risk.inputs import ExposureSnapshot, OrderFacts
from tradecore.domain.risk.limits import RiskLimits

_BPS = Decimal(10_000)
_HUNDREDTH = Decimal("0.01")

Verdict = RiskVerdict | None


def _refuse(rule: str, limit: object, value: object, **more: object) -> RiskVerdict:
    values = {"limit": str(limit), "value": str(value)}
    values.update({k: str(v) for k, v in more.items()})
    return RiskVerdict(rule, values)


def restricted_symbol(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """The symbol is on the restricted list."""
    if f.symbol in limits.restricted_symbols:
        return RiskVerdict("restricted_symbol", {"symbol": f.symbol})
    return None


def order_shares(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """The order's quantity is over ``max_order_shares``."""
    limit = limits.max_order_shares
    if limit is not None and f.qty > limit:
        return _refuse("max_order_shares", limit, f.qty)
    return None


def order_notional(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """The order's ``qty * price`` is over ``max_order_notional``."""
    limit = limits.max_order_notional
    if limit is not None and f.notional > limit:
        return _refuse("max_order_notional", limit, f.notional)
    return None


def no_short(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """Shorting is not allowed and the order opens or grows a short."""
    if not limits.allow_short and f.after < 0 and f.after < f.before:
        return RiskVerdict(
            "no_short",
            {"position_before": str(f.before), "position_after": str(f.after)},
        )
    return None


def position_shares(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """The position after the order is over ``max_position_shares`` and grew."""
    limit = limits.max_position_shares
    after = abs(f.after)
    if limit is not None and after > limit and after > abs(f.before):
        return _refuse("max_position_shares", limit, after)
    return None


def position_notional(limits: RiskLimits, f: OrderFacts) -> Verdict:
    """The position's value after the order is over its limit and grew."""
    limit = limits.max_position_notional
    if limit is None or abs(f.after) <= abs(f.before):
        return None
    value = abs(f.after) * f.mark
    return _refuse("max_position_notional", limit, value) if value > limit else None


def gross_exposure(
    limits: RiskLimits, f: OrderFacts, book: ExposureSnapshot
) -> Verdict:
    """Gross exposure after the order is over its limit and grew."""
    limit = limits.max_gross_exposure
    if limit is None:
        return None
    after = book.gross + (abs(f.after) - abs(f.before)) * f.mark
    if after > limit and after > book.gross:
        return _refuse("max_gross_exposure", limit, after, before=book.gross)
    return None


def net_exposure(limits: RiskLimits, f: OrderFacts, book: ExposureSnapshot) -> Verdict:
    """Absolute net exposure after the order is over its limit and grew."""
    limit = limits.max_net_exposure
    if limit is None:
        return None
    after = book.net + (f.after - f.before) * f.mark
    if abs(after) > limit and abs(after) > abs(book.net):
        return _refuse("max_net_exposure", limit, after, before=book.net)
    return None


def price_collar(limits: RiskLimits, f: OrderFacts, book: ExposureSnapshot) -> Verdict:
    """The order's price is further from the reference than the collar allows.

    Without a reference price there is nothing to measure against: the rule fails
    closed rather than letting an unchecked price through.
    """
    collar = limits.collar_bps
    if collar is None:
        return None
    reference = book.references.get(f.symbol)
    if reference is None:
        return RiskVerdict(
            "price_collar", {"limit_bps": str(collar), "reference": "unknown"}
        )
    deviation = (abs(f.price - reference) / reference * _BPS).quantize(_HUNDREDTH)
    if deviation > collar:
        return RiskVerdict(
            "price_collar",
            {
                "limit_bps": str(collar),
                "deviation_bps": str(deviation),
                "price": str(f.price),
                "reference": str(reference),
            },
        )
    return None


def daily_loss(limits: RiskLimits, f: OrderFacts, book: ExposureSnapshot) -> Verdict:
    """The day's loss is over ``max_daily_loss`` and the order does not reduce.

    An unknown P&L fails closed for orders that add risk.
    """
    limit = limits.max_daily_loss
    if limit is None or f.reduces:
        return None
    if book.day_pnl is None:
        return _refuse("max_daily_loss", limit, "unknown")
    loss = -book.day_pnl
    return _refuse("max_daily_loss", limit, loss) if loss > limit else None


def drawdown(limits: RiskLimits, f: OrderFacts, book: ExposureSnapshot) -> Verdict:
    """Equity is further below the day's high than ``max_drawdown``; order adds risk."""
    limit = limits.max_drawdown
    if limit is None or f.reduces:
        return None
    if book.drawdown is None:
        return _refuse("max_drawdown", limit, "unknown")
    if book.drawdown > limit:
        return _refuse("max_drawdown", limit, book.drawdown)
    return None
