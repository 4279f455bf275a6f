"""TCA from the store of record: executions, their shortfall, and the calibration loop.

Why: the engine writes decisions (with the price, policy, features and forecast it
used), intents and fills; this module joins them back into one
:class:`ParentExecution` per decision (a sliced parent's children together), so the
TCA CLI, the report and the calibration loop all measure the same thing.

Where the store has no later price for an order, ``marks`` (the last close per
symbol, e.g. at the end of a replay) price its unfilled part; failing that, the
order's own last fill or arrival price does (no opportunity cost is claimed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from tradecore.domain.errors import NotFound
from tradecore.domain.execution.calibration import (
    CalibrationConfig,
    ImpactObservation,
    calibrate_impact,
    observe_impact,
)
from tradecore.domain.execution.cost_model import SESSION_MINUTES
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.execution.parent_status import ParentProgress, aggregate_parent
from tradecore.domain.execution.tca import (
    ExecutionAnalysis,
    ParentExecution,
    analyze_execution,
)
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.adoption import execution_parent
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.ports.store import UnitOfWork
from tradecore.ports.store_records import CostModelVersion


def load_analyses(
    uow: UnitOfWork,
    marks: Mapping[str, Decimal] | None = None,
    *,
    session_date: date | None = None,
    calendar: MarketCalendar | None = None,
) -> list[ExecutionAnalysis]:
    """Return one analysis per parent order in the store (optionally one day's).

    An order's day is ``calendar.trading_day`` of its decision (the exchange
    session; after the close counts towards the next one); with ``calendar=None``
    it is the session date recorded in its decision key (the UTC date: the old
    behaviour).
    """
    intents = [
        i
        for i in uow.intents.by_status(*IntentStatus)
        if session_date is None or _day(i, calendar) == session_date
    ]
    fills: dict[str, list[Fill]] = {}
    for fill in uow.fills.all():
        fills.setdefault(fill.client_order_id, []).append(fill)
    by_order = _decisions_by_order(uow.decisions.all_decisions())
    groups: dict[str, list[OrderIntent]] = {}
    for intent in sorted(intents, key=lambda i: (i.decided_at, i.client_order_id)):
        groups.setdefault(execution_parent(intent), []).append(intent)
    return [
        analyze_execution(
            _execution(cid, children, fills, by_order.get(cid), marks or {}, calendar)
        )
        for cid, children in groups.items()
    ]


def _day(intent: OrderIntent, calendar: MarketCalendar | None) -> date:
    if calendar is None:
        return intent.decision_key.session_date
    return calendar.trading_day(intent.decided_at)


def _decisions_by_order(
    decisions: Iterable[DecisionRecord],
) -> dict[str, DecisionRecord]:
    found = {}
    for decision in decisions:
        cid = decision.details.get("client_order_id")
        if isinstance(cid, str) and "parent_decision_id" not in decision.details:
            found[cid] = decision
    return found


def _policy(decision: DecisionRecord | None) -> Mapping[str, object]:
    policy = None if decision is None else decision.details.get("policy")
    return policy if isinstance(policy, Mapping) else {}


def _execution(
    cid: str,
    children: Sequence[OrderIntent],
    fills: Mapping[str, Sequence[Fill]],
    decision: DecisionRecord | None,
    marks: Mapping[str, Decimal],
    calendar: MarketCalendar | None,
) -> ParentExecution:
    first = children[0]
    key = first.decision_key
    own: tuple[Fill, ...] = tuple(
        sorted(
            (f for c in children for f in fills.get(c.client_order_id, ())),
            key=lambda f: (f.filled_at, f.execution_id),
        )
    )
    arrival = first.arrival_price or (own[0].price if own else Decimal(1))
    price = None if decision is None else decision.details.get("price")
    decision_price = Decimal(price) if isinstance(price, str) else arrival
    end = marks.get(key.symbol) or (own[-1].price if own else arrival)
    policy = _policy(decision)
    features = policy.get("features", {})
    cost = policy.get("cost", {})
    spread = _float(features, "spread_bps") or 0.0
    half_paid = _float(cost, "half_spread_bps") or 0.0
    return ParentExecution(
        client_order_id=cid,
        strategy_id=key.strategy_id,
        symbol=key.symbol,
        side=key.side,
        session_date=_day(first, calendar),
        decided_at=first.decided_at,
        policy=first.execution_policy,
        ordered_qty=key.qty,
        decision_price=decision_price,
        arrival_price=arrival,
        end_price=end,
        fills=own,
        arrival_spread_bps=spread,
        spread_paid=min(1.0, half_paid / (spread / 2.0)) if spread else 1.0,
        predicted_cost_bps=_float(cost, "total_bps"),
    )


def _float(mapping: object, name: str) -> float | None:
    if not isinstance(mapping, Mapping):
        return None
    value = mapping.get(name)
    return float(value) if isinstance(value, int | float) else None


def impact_observations(
    analyses: Iterable[ExecutionAnalysis], decisions: Iterable[DecisionRecord]
) -> list[ImpactObservation]:
    """Return what each filled, forecast execution says about impact, in time order.

    The market volume while an order worked is the volume the decision's features
    expected per minute times the minutes from decision to last fill (one at least).
    """
    by_order = _decisions_by_order(decisions)
    found = []
    for analysis in analyses:
        parent = analysis.execution
        features = _policy(by_order.get(parent.client_order_id)).get("features")
        volatility = _float(features, "volatility")
        adv = _float(features, "adv")
        liquidity = _float(features, "liquidity_ratio") or 1.0
        if not parent.fills or volatility is None or adv is None:
            continue
        minutes = max(1.0, _minutes(parent.fills[0].filled_at, parent.fills[-1]))
        per_minute = adv * liquidity / SESSION_MINUTES
        observation = observe_impact(
            analysis, volatility=volatility, market_volume=per_minute * minutes, adv=adv
        )
        if observation is not None:
            found.append(
                (parent.fills[0].filled_at, parent.client_order_id, observation)
            )
    return [obs for _, _, obs in sorted(found, key=lambda t: (t[0], t[1]))]


def _minutes(start: datetime, last: Fill) -> float:
    return (last.filled_at - start).total_seconds() / 60.0


def calibrate_from_store(
    uow: UnitOfWork,
    pinned: CostModelParams,
    *,
    created_at: datetime,
    marks: Mapping[str, Decimal] | None = None,
    config: CalibrationConfig | None = None,
    note: str = "",
    session_date: date | None = None,
    calendar: MarketCalendar | None = None,
    analyses: Sequence[ExecutionAnalysis] | None = None,
) -> CostModelVersion | None:
    """Fit the next version from the store's fills and record it (``None``: no data).

    The new version names ``pinned`` as its parent and the execution ids it used;
    with ``session_date`` only that day's orders are used (the live daily loop),
    the day as :func:`load_analyses` reads it with ``calendar``. ``analyses``:
    what :func:`load_analyses` returned for these arguments, if the caller holds it
    already (a replay's report does): the store is not read and held a second time.
    """
    if analyses is None:
        analyses = load_analyses(
            uow, marks, session_date=session_date, calendar=calendar
        )
    observations = impact_observations(analyses, uow.decisions.all_decisions())
    fitted = calibrate_impact(pinned, observations, config or CalibrationConfig())
    if fitted is pinned:
        return None
    version = CostModelVersion(
        version_hash=fitted.version_hash,
        created_at=created_at,
        params=fitted.to_dict(),
        note=note or f"calibrated from {len(observations)} executions",
        fills_used=fitted.fills_used,
    )
    uow.cost_models.record(version)
    return version


def parent_progress(
    uow: UnitOfWork,
    parent_client_order_id: str,
    *,
    slices_remaining: bool = False,
    cancel_requested: bool = False,
) -> ParentProgress:
    """A sliced parent's status, aggregated from its stored children.

    ``slices_remaining`` / ``cancel_requested`` come from whoever works the parent
    (the engine's book); for a parent no longer worked both are False.

    Raises:
        NotFound: no stored child names this parent.
    """
    children = sliced_children(uow).get(parent_client_order_id)
    if not children:
        raise NotFound(f"no child orders of parent {parent_client_order_id!r}")
    return aggregate_parent(
        children[0].decision_key.qty,
        children,
        slices_remaining=slices_remaining,
        cancel_requested=cancel_requested,
    )


def sliced_children(uow: UnitOfWork) -> dict[str, list[OrderIntent]]:
    """Every stored child order, by its parent's client order id, in decision order."""
    found: dict[str, list[OrderIntent]] = {}
    ordered = sorted(
        uow.intents.by_status(*IntentStatus),
        key=lambda i: (i.decided_at, i.client_order_id),
    )
    for intent in ordered:
        if intent.parent_client_order_id:
            found.setdefault(intent.parent_client_order_id, []).append(intent)
    return found
