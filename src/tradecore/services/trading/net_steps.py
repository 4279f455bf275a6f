"""The engine's net-of-cost path: plan, gate, place or slice, and expire orders.

Why a mixin of its own: :mod:`tradecore.services.trading.engine` keeps the plain pipeline
(target -> risk -> intent -> place) readable; with ``EngineConfig.net_of_cost`` set a
decision instead goes through :class:`NetOfCostPlanner` (Kelly size, stale-model and
cost-vs-edge gates, execution policy) and, for TWAP/POV, through the
:class:`ExecutionBook` that places child slices bar by bar. Outcomes stay one per
decision: the parent decision is ``submitted`` under the parent's id, each child has
its own decision naming the parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from tradecore.domain.execution.parent_record import (
    CANCELED_PARENT,
    PARENT_CANCELED,
    PARENT_ORDER,
    parent_order_details,
)
from tradecore.domain.execution.parent_status import cancel_plan
from tradecore.domain.execution.policy import PolicyChoice, limit_price
from tradecore.domain.execution.slicing import ChildSlice, child_intent
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.money import to_price
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import Side
from tradecore.domain.sizing.kelly import SizingDecision
from tradecore.domain.strategies.protocol import Target
from tradecore.services.controls.degradation import DEGRADED
from tradecore.services.execution.execution_book import ExecutionBook, WorkingParent
from tradecore.services.execution.net_of_cost import ExecutionPlan, NetOfCostPlanner
from tradecore.services.trading.protection import PROTECTION
from tradecore.services.trading.working_orders import WorkingOrders

if TYPE_CHECKING:
    from collections.abc import Callable

    from tradecore.domain.orders.ledger import Ledger
    from tradecore.domain.risk.checks import RiskVerdict
    from tradecore.domain.strategies.protocol import Strategy
    from tradecore.ports.clock import Clock
    from tradecore.services.durability.commits import CommitPolicy
    from tradecore.services.orders.order_manager import OrderManager
    from tradecore.services.trading.engine_config import EngineConfig
    from tradecore.services.trading.protection import ProtectionDesk


def skip_reason(rule: str | None) -> str:
    """``degraded:<mode>`` as it is; a risk rule as ``risk:<rule>``."""
    if rule is not None and rule.startswith(DEGRADED):
        return rule
    return f"risk:{rule}"


def _signed(side: Side, qty: Decimal) -> Decimal:
    return qty if side is Side.BUY else -qty


class NetOfCostSteps:
    """The net-of-cost decision and slicing steps of :class:`TradingEngine`."""

    _planner: NetOfCostPlanner | None
    _book: ExecutionBook
    _working: WorkingOrders
    _last: dict[str, float]
    decisions: int

    if TYPE_CHECKING:
        ledger: Ledger
        _config: EngineConfig
        _orders: OrderManager
        _commits: CommitPolicy
        _clock: Clock
        _strategy: Strategy
        before_order: Callable[[str], None] | None

        def position(self, symbol: str) -> Decimal: ...
        def equity(self) -> float: ...
        def _risk_check(
            self, symbol: str, side: Side, qty: Decimal, price: Decimal, c: Decimal
        ) -> RiskVerdict: ...
        def _decision(
            self,
            target: Target,
            current: Decimal,
            price: Decimal,
            intent: OrderIntent | None,
            extra: Mapping[str, object] | None = None,
        ) -> DecisionRecord: ...
        def _intent(
            self,
            target: Target,
            side: Side,
            qty: Decimal,
            price: Decimal,
            plan: ExecutionPlan | None = None,
        ) -> OrderIntent: ...
        def _skip(
            self, decision: DecisionRecord, reason: str, values: Mapping[str, str]
        ) -> None: ...
        def _place(
            self, decision: DecisionRecord, intent: OrderIntent
        ) -> OrderIntent: ...
        def _protected(
            self,
            target: Target,
            intent: OrderIntent,
            current: Decimal,
            price: Decimal,
            extra: Mapping[str, object] | None = None,
        ) -> tuple[OrderIntent, Mapping[str, object] | None]: ...
        def _place_protected(
            self, target: Target, decision: DecisionRecord, intent: OrderIntent
        ) -> OrderIntent: ...

        _protect: ProtectionDesk

    def _decide_net(self, planner: NetOfCostPlanner, target: Target) -> None:
        """Size, gate and choose the execution of one target; then place or slice."""
        symbol = target.symbol
        current = self.position(symbol)
        close = self._last[symbol]
        price = to_price(close)
        desired, sizing = planner.desired(target, price, self.equity())
        if desired == current:
            if sizing is not None and sizing.shares == 0 and target.qty != current:
                self._skip_unsized(target, current, price, sizing)
            return
        self.decisions += 1
        now = self._clock.now()
        plan = planner.plan(
            target,
            current=current,
            desired=desired,
            close=close,
            now=now,
            sizing=sizing,
        )
        if plan.skip_reason is not None:
            decision = self._decision(target, current, price, None, plan.details)
            self._skip(decision, plan.skip_reason, _skip_values(plan))
            return
        verdict = self._risk_check(symbol, plan.side, plan.qty, price, current)
        if not verdict.passed:
            decision = self._decision(target, current, price, None, plan.details)
            self._skip(decision, skip_reason(verdict.rule), verdict.values)
            return
        intent = self._intent(target, plan.side, plan.qty, price, plan)
        details: Mapping[str, object] = plan.details
        if plan.scheduled:  # a restart rebuilds the unsent parent from its decision
            details = {**details, PARENT_ORDER: parent_order_details(intent)}
            protection = self._protect.protection(target.protection)
            note = self._protect.parent(intent, protection, current)
            if note is not None:
                details = {**details, PROTECTION: note}
        else:
            intent, protected = self._protected(target, intent, current, price, details)
            details = protected or details
        # An exit frees the shares our protective orders hold first (see engine).
        self._protect.clear_for(
            target.symbol, self.ledger.position(target.symbol), intent.spec.side
        )
        if (breach := self._orders.rule_breach(intent.spec)) is not None:
            decision = self._decision(target, current, price, None, details)
            self._orders.record_breach(decision, breach)
            return
        decision = self._decision(target, current, price, intent, details)
        assert plan.choice is not None  # a plan that trades has its choice
        sized = plan.sizing
        probability = None if sized is None else sized.raw_probability
        planner.sized_order(intent.client_order_id, probability)
        if plan.scheduled:
            self._start_parent(decision, intent, plan.choice)
            return
        stored = self._place_protected(target, decision, intent)
        minutes = plan.choice.horizon_minutes
        self._book.expire(stored, now + timedelta(minutes=minutes))

    def _skip_unsized(
        self, target: Target, current: Decimal, price: Decimal, sizing: SizingDecision
    ) -> None:
        """Record a target Kelly sized to nothing: skipped(sizing:<reason>)."""
        self.decisions += 1
        details = {"sizing": sizing.to_dict()}
        decision = self._decision(target, current, price, None, details)
        self._skip(decision, f"sizing:{sizing.reason}", {"shares": "0"})

    def _start_parent(
        self, decision: DecisionRecord, parent: OrderIntent, choice: PolicyChoice
    ) -> None:
        """Record the parent decision as submitted and start slicing it.

        The schedule starts at the decision's time: the one a restart reads back.
        """
        now = decision.decided_at
        with self._commits.step() as uow:
            if uow.decisions.record_decision(decision):
                uow.decisions.record_outcome(
                    OutcomeRecord(
                        decision_id=decision.decision_id,
                        kind=OutcomeKind.SUBMITTED,
                        recorded_at=now,
                        client_order_id=parent.client_order_id,
                        details={
                            "policy": choice.policy.value,
                            "slices": choice.slices,
                        },
                    )
                )
        self._book.add_parent(parent, choice, decision.decision_id, now)
        spec = parent.spec
        symbol = spec.symbol
        qty = spec.qty or Decimal(0)
        self._working.adjust(symbol, _signed(spec.side, qty))

    def _work_book(self, symbol: str, volume: float) -> None:
        """Cancel what is past its deadline, then place the children now due."""
        now = self._clock.now()
        late, ended = self._book.overdue(symbol, now)
        for intent in late:
            self._orders.cancel(intent)
        for parent, unsent in ended:
            self._working.adjust(symbol, -_signed(parent.intent.spec.side, unsent))
        for parent, child in list(self._book.due(symbol, now, volume)):
            self._place_child(parent, child)

    def _place_child(self, parent: WorkingParent, child: ChildSlice) -> None:
        """Place one slice as a marketable limit under its own child decision.

        Each slice passes the risk gate and the broker's rules like any order: a
        refused slice is recorded as skipped and ends its parent (a halt or kill
        must stop a schedule too; the strategy's next target re-decides what is
        left).
        """
        planner = self._planner
        assert planner is not None  # only the net-of-cost path slices
        if parent.client_order_id not in self._book.parent_ids():
            return  # ended earlier in this bar (a refused sibling slice)
        now = self._clock.now()
        spec = parent.intent.spec
        close = self._last[spec.symbol]
        verdict = self._risk_check(
            spec.symbol,
            spec.side,
            child.qty,
            to_price(close),
            self.position(spec.symbol),
        )
        if not verdict.passed:
            decision = self._child_decision(parent, child, close, now, None)
            self._skip(decision, skip_reason(verdict.rule), verdict.values)
            self.cancel_parent(parent.client_order_id)
            return
        intent = child_intent(parent.intent, child, decided_at=now)
        price = limit_price(
            spec.side, close, planner.marketable_offset_bps(spec.symbol)
        )
        intent = attrs.evolve(intent, spec=attrs.evolve(intent.spec, limit_price=price))
        if (breach := self._orders.rule_breach(intent.spec)) is not None:
            decision = self._child_decision(parent, child, close, now, None)
            self._orders.record_breach(decision, breach)
            self.cancel_parent(parent.client_order_id)
            return
        decision = self._child_decision(parent, child, close, now, intent)
        planner.child_order(intent.client_order_id, parent.client_order_id)
        stored = self._place(decision, intent)
        self._protect.child_placed(parent.client_order_id, stored)
        self._working.adjust(spec.symbol, -_signed(spec.side, child.qty))
        self._book.sent(parent, stored)

    def _child_decision(
        self,
        parent: WorkingParent,
        child: ChildSlice,
        close: float,
        now: datetime,
        intent: OrderIntent | None,
    ) -> DecisionRecord:
        """The decision of one slice, keyed by its parent's decision and its index."""
        spec = parent.intent.spec
        strategy_id = self._strategy.strategy_id
        inputs = sha256_hex([parent.decision_id, child.index])
        details: dict[str, object] = {
            "parent_decision_id": parent.decision_id,
            "parent_client_order_id": parent.client_order_id,
            "slice_index": child.index,
            "policy": parent.policy.value,
            "price": str(to_price(close)),
        }
        if intent is not None:
            details["client_order_id"] = intent.client_order_id
        return DecisionRecord.keyed(
            strategy_id=strategy_id,
            symbol=spec.symbol,
            decided_at=now,
            inputs_hash=inputs,
            config_hash=parent.intent.config_hash,
            model_hash=parent.intent.model_hash,
            cost_model_hash=parent.intent.cost_model_hash,
            manifest_hash=self._config.manifest_hash,
            details=details,
        )

    def working_parents(self) -> tuple[str, ...]:
        """Return the client order ids of the sliced parents still being worked."""
        return self._book.parent_ids()

    def cancel_parent(self, client_order_id: str) -> int:
        """Cancel a sliced parent: abandon unsent slices, cancel open children.

        Returns how many children a cancel was sent for.

        Raises:
            KeyError: no such parent is working.
        """
        parent, unsent = self._book.cancel_parent(client_order_id)
        symbol = parent.symbol
        self._working.adjust(symbol, -_signed(parent.intent.spec.side, unsent))
        self._record_parent_cancel(parent, unsent)
        plan = cancel_plan(parent.children)
        by_id = {c.client_order_id: c for c in parent.children}
        return sum(
            1 for cid in plan.cancel_at_broker if self._orders.cancel(by_id[cid])
        )

    def _record_parent_cancel(self, parent: WorkingParent, unsent: Decimal) -> None:
        """Store the cancel as a decision (outcome ``skipped(parent_canceled)``).

        So a restart does not resume the parent (:mod:`.net_of_cost_restore`).
        """
        now = self._clock.now()
        strategy_id = self._strategy.strategy_id
        inputs = sha256_hex([parent.decision_id, CANCELED_PARENT])
        decision = DecisionRecord.keyed(
            strategy_id=strategy_id,
            symbol=parent.symbol,
            decided_at=now,
            inputs_hash=inputs,
            config_hash=parent.intent.config_hash,
            model_hash=parent.intent.model_hash,
            cost_model_hash=parent.intent.cost_model_hash,
            manifest_hash=self._config.manifest_hash,
            details={CANCELED_PARENT: parent.client_order_id, "unsent": str(unsent)},
        )
        self._skip(decision, PARENT_CANCELED, {"unsent": str(unsent)})


def _skip_values(plan: ExecutionPlan) -> dict[str, str]:
    values = {"qty": str(plan.qty), "side": plan.side.value}
    if plan.choice is not None:
        values["policy"] = plan.choice.policy.value
        values["cost_bps"] = f"{plan.choice.cost.total_bps:.4f}"
        edge = plan.choice.expected_edge_bps
        values["edge_bps"] = "none" if edge is None else f"{edge:.4f}"
    stale = plan.details.get("cost_model_stale")
    if isinstance(stale, list):
        values["stale"] = "; ".join(str(s) for s in stale)
    return values
