"""Transaction-cost analysis: what an order really cost, and where it went.

Why: the cost model is a forecast; TCA is the measurement that keeps it honest and
feeds calibration. Implementation shortfall (Perold 1988) against the decision price
is split so the parts add up exactly (in Decimal), with s = +1 for a buy, −1 a sell:

* **delay**: ``s·filled·(arrival − decision)``, the move between deciding and sending;
* **execution**: ``s·Σ qᵢ·(pᵢ − arrival)``, what the fills paid over the arrival mid,
  split into **spread** (the quoted half-spread times the share the policy expected to
  pay) and **impact** (the rest);
* **opportunity**: ``s·(ordered − filled)·(end − decision)``, the move the unfilled part
  missed, priced at the mid when the order's horizon ended;
* **fees**: as charged on the fills.

With a mark price the P&L splits into gross alpha ``s·filled·(mark − decision)``,
timing (−delay), costs (execution + fees) and net ``s·Σ qᵢ·(mark − pᵢ) − fees``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput, Overfill
from tradecore.domain.float_checks import non_negative, unit_interval
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.spec import Side

_ZERO = Decimal(0)
_SPREAD_QUANTUM = Decimal("0.0001")


def _fills(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    fills = value if isinstance(value, tuple) else ()
    seen: set[str] = set()
    for fill in fills:
        if not isinstance(fill, Fill):
            raise InvalidInput("fills", fill, "expected Fill")
        if fill.symbol != instance.symbol or fill.side is not instance.side:
            raise InvalidInput("fills", fill.execution_id, "symbol or side differs")
        if fill.execution_id in seen:
            raise InvalidInput("fills", fill.execution_id, "duplicate execution id")
        seen.add(fill.execution_id)


def _fill_tuple(fills: Iterable[Fill]) -> tuple[Fill, ...]:
    # A typed converter (``converter=tuple`` leaves the field's type unknown).
    return tuple(fills)


@attrs.frozen(kw_only=True, slots=True)
class ParentExecution:
    """One decision's order, the prices around it, and the fills it got."""

    client_order_id: str = attrs.field(validator=v.non_empty_str)
    strategy_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    side: Side = attrs.field(validator=v.instance_of(Side))
    session_date: date = attrs.field(validator=v.instance_of(date))
    policy: str = attrs.field(validator=v.non_empty_str)
    ordered_qty: Decimal = attrs.field(validator=v.positive_decimal)
    decision_price: Decimal = attrs.field(validator=v.positive_decimal)
    #: The mid when the order was sent.
    arrival_price: Decimal = attrs.field(validator=v.positive_decimal)
    #: The mid when the order's horizon ended: prices the unfilled part.
    end_price: Decimal = attrs.field(validator=v.positive_decimal)
    fills: tuple[Fill, ...] = attrs.field(
        default=(), converter=_fill_tuple, validator=_fills
    )
    arrival_spread_bps: float = attrs.field(default=0.0, validator=non_negative)
    #: Share of the half-spread the policy expected to pay (1 marketable, 0 resting).
    spread_paid: float = attrs.field(default=1.0, validator=unit_interval)
    predicted_cost_bps: float | None = None
    #: The price the P&L split marks to; the end price when not given.
    mark_price: Decimal | None = attrs.field(
        default=None, validator=v.optional_positive_decimal
    )
    #: When the order was decided: places it on the exchange's trading day.
    decided_at: datetime | None = attrs.field(
        default=None, validator=v.optional_utc_datetime
    )

    def __attrs_post_init__(self) -> None:
        filled = sum((f.qty for f in self.fills), _ZERO)
        if filled > self.ordered_qty:
            raise Overfill(f"fills total {filled} > ordered {self.ordered_qty}")


@attrs.frozen(kw_only=True, slots=True)
class ExecutionAnalysis:
    """The shortfall of one execution, its parts in dollars and the P&L split."""

    execution: ParentExecution
    filled_qty: Decimal
    fill_ratio: float
    average_price: Decimal | None
    decision_notional: Decimal
    delay_cost: Decimal
    execution_cost: Decimal
    spread_cost: Decimal
    impact_cost: Decimal
    opportunity_cost: Decimal
    fees: Decimal
    total_shortfall: Decimal
    arrival_shortfall: Decimal
    #: (execution + fees) over the filled notional at arrival: comparable with the
    #: cost model's forecast. ``None`` when nothing filled.
    realized_cost_bps: float | None
    prediction_error_bps: float | None
    gross_alpha: Decimal
    timing: Decimal
    net_pnl: Decimal

    def bps(self, amount: Decimal) -> float:
        """Return ``amount`` in basis points of the decision notional."""
        return float(amount / self.decision_notional) * 1e4


def analyze_execution(parent: ParentExecution) -> ExecutionAnalysis:
    """Measure one execution's implementation shortfall and split it."""
    s = Decimal(parent.side.sign)
    filled = sum((f.qty for f in parent.fills), _ZERO)
    paid = sum((f.qty * f.price for f in parent.fills), _ZERO)
    fees = sum((f.fee for f in parent.fills), _ZERO)
    unfilled = parent.ordered_qty - filled
    decision, arrival = parent.decision_price, parent.arrival_price
    delay = s * filled * (arrival - decision)
    execution = s * (paid - filled * arrival)
    spread = _spread_cost(parent, filled)
    opportunity = s * unfilled * (parent.end_price - decision)
    mark = parent.end_price if parent.mark_price is None else parent.mark_price
    realized = None
    if filled:
        realized = float((execution + fees) / (filled * arrival)) * 1e4
    error = None
    if realized is not None and parent.predicted_cost_bps is not None:
        error = realized - parent.predicted_cost_bps
    return ExecutionAnalysis(
        execution=parent,
        filled_qty=filled,
        fill_ratio=float(filled / parent.ordered_qty),
        average_price=paid / filled if filled else None,
        decision_notional=parent.ordered_qty * decision,
        delay_cost=delay,
        execution_cost=execution,
        spread_cost=spread,
        impact_cost=execution - spread,
        opportunity_cost=opportunity,
        fees=fees,
        total_shortfall=delay + execution + opportunity + fees,
        arrival_shortfall=execution
        + s * unfilled * (parent.end_price - arrival)
        + fees,
        realized_cost_bps=realized,
        prediction_error_bps=error,
        gross_alpha=s * filled * (mark - decision),
        timing=-delay,
        net_pnl=s * (filled * mark - paid) - fees,
    )


def _spread_cost(parent: ParentExecution, filled: Decimal) -> Decimal:
    half_bps = parent.arrival_spread_bps * parent.spread_paid / 2.0
    if not filled or half_bps == 0.0:
        return _ZERO
    amount = filled * parent.arrival_price * Decimal(repr(half_bps)) / Decimal(10_000)
    return amount.quantize(_SPREAD_QUANTUM)
