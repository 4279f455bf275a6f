"""TCA rollups: executions grouped by symbol, day, policy or strategy.

Why: one order's shortfall is noise; a week of them by policy says whether TWAP is
earning its keep, and predicted vs realised cost by symbol says whether the cost model
needs calibrating. Amounts add up in Decimal; the bps figures are notional-weighted
(total dollars over total decision notional), so a large order counts for more.

The "day" of an execution is the exchange's trading day of its decision
(``calendar.trading_day(decided_at)``: after the close counts towards the next
session) when a calendar is given, else its recorded ``session_date``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.tca import ExecutionAnalysis, ParentExecution
from tradecore.domain.market.calendar import MarketCalendar

_ZERO = Decimal(0)

_KEYS: dict[str, Callable[[ExecutionAnalysis], str]] = {
    "symbol": lambda a: a.execution.symbol,
    "day": lambda a: a.execution.session_date.isoformat(),
    "policy": lambda a: a.execution.policy,
    "strategy": lambda a: a.execution.strategy_id,
}
#: The groupings :func:`rollup_executions` accepts.
GROUPINGS = tuple(_KEYS)


@attrs.frozen(kw_only=True, slots=True)
class TcaRollup:
    """Aggregated TCA for one group of executions."""

    by: str
    key: str
    orders: int
    ordered_qty: Decimal
    filled_qty: Decimal
    fill_ratio: float
    decision_notional: Decimal
    shortfall_bps: float
    delay_bps: float
    execution_bps: float
    spread_bps: float
    impact_bps: float
    opportunity_bps: float
    fees_bps: float
    #: Means over the orders that filled and had a forecast (``None`` if none did).
    predicted_cost_bps: float | None
    realized_cost_bps: float | None
    mean_error_bps: float | None
    mean_abs_error_bps: float | None
    gross_alpha: Decimal
    spread_cost: Decimal
    impact_cost: Decimal
    fees: Decimal
    timing: Decimal
    net_pnl: Decimal


def trading_day(execution: ParentExecution, calendar: MarketCalendar | None) -> date:
    """The execution's day: the calendar's trading day of its decision if known."""
    if calendar is None or execution.decided_at is None:
        return execution.session_date
    return calendar.trading_day(execution.decided_at)


def rollup_executions(
    analyses: Iterable[ExecutionAnalysis],
    by: str,
    calendar: MarketCalendar | None = None,
) -> tuple[TcaRollup, ...]:
    """Group ``analyses`` by ``by`` (one of :data:`GROUPINGS`), sorted by group key.

    ``calendar`` makes the "day" grouping the exchange's trading day (see the
    module doc); ``None`` keeps the recorded session date (old behaviour).

    Raises:
        InvalidInput: ``by`` is not a known grouping.
    """
    key_of = _KEYS.get(by)
    if key_of is None:
        raise InvalidInput("by", by, f"expected one of {', '.join(GROUPINGS)}")
    if by == "day" and calendar is not None:

        def key_of(analysis: ExecutionAnalysis) -> str:
            return trading_day(analysis.execution, calendar).isoformat()

    groups: dict[str, list[ExecutionAnalysis]] = {}
    for analysis in analyses:
        groups.setdefault(key_of(analysis), []).append(analysis)
    return tuple(_summarize(by, key, groups[key]) for key in sorted(groups))


def _total(group: Sequence[ExecutionAnalysis], field: str) -> Decimal:
    return sum((getattr(a, field) for a in group), _ZERO)


def _summarize(by: str, key: str, group: Sequence[ExecutionAnalysis]) -> TcaRollup:
    ordered = sum((a.execution.ordered_qty for a in group), _ZERO)
    filled = _total(group, "filled_qty")
    notional = _total(group, "decision_notional")

    def bps(field: str) -> float:
        return float(_total(group, field) / notional) * 1e4

    forecasts = [
        (a.execution.predicted_cost_bps, a.realized_cost_bps)
        for a in group
        if a.execution.predicted_cost_bps is not None
        and a.realized_cost_bps is not None
    ]
    predicted, realized, mean_error, mean_abs_error = _forecast_stats(forecasts)
    return TcaRollup(
        by=by,
        key=key,
        orders=len(group),
        ordered_qty=ordered,
        filled_qty=filled,
        fill_ratio=float(filled / ordered),
        decision_notional=notional,
        shortfall_bps=bps("total_shortfall"),
        delay_bps=bps("delay_cost"),
        execution_bps=bps("execution_cost"),
        spread_bps=bps("spread_cost"),
        impact_bps=bps("impact_cost"),
        opportunity_bps=bps("opportunity_cost"),
        fees_bps=bps("fees"),
        predicted_cost_bps=predicted,
        realized_cost_bps=realized,
        mean_error_bps=mean_error,
        mean_abs_error_bps=mean_abs_error,
        gross_alpha=_total(group, "gross_alpha"),
        spread_cost=_total(group, "spread_cost"),
        impact_cost=_total(group, "impact_cost"),
        fees=_total(group, "fees"),
        timing=_total(group, "timing"),
        net_pnl=_total(group, "net_pnl"),
    )


_Stats = tuple[float | None, float | None, float | None, float | None]


def _forecast_stats(pairs: Sequence[tuple[float, float]]) -> _Stats:
    if not pairs:
        return None, None, None, None
    n = len(pairs)
    errors = [realized - predicted for predicted, realized in pairs]
    return (
        sum(p for p, _ in pairs) / n,
        sum(r for _, r in pairs) / n,
        sum(errors) / n,
        sum(abs(e) for e in errors) / n,
    )
