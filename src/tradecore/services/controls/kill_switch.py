"""The kill switch: halt, cancel everything, optionally flatten, and say what happened.

Order matters. HALTED is written and committed to the store *first*, before the broker
is touched: every engine sharing the store refuses new orders from its next cycle on,
even if everything after this fails (the broker down, the process killed). Then every
open order is cancelled at the broker (the kill's own flatten orders excepted), the
cancels are given a few seconds to land, and with ``flatten`` every position is closed
with a market order placed exactly once (an intent with a client order id derived
from the kill's persisted state row, so a repeat of the same kill, or a second process
acting on it, cannot double the flattening orders). What could not be done or not be
confirmed is reported order by order, alerted, and recorded in the audit log.

A flatten never crosses zero. A cancel the broker has not confirmed when the wait
ends leaves an order that may still fill, so the flatten nets out everything still
working on its side: it sells at most the confirmed position minus every sell still
working (the broker's open orders, read *before* the positions so a fill between the
two reads can only make the flatten smaller, plus our intents not yet acknowledged),
and buys back a short the same way. What it held back is reported
(:attr:`KillReport.flatten_held_back`) and the trading process finishes it: it asks
again every cycle until the broker holds no order and, for a flatten, no position
(:attr:`KillReport.settled`); each later round flattens what the confirmed cancels
and fills left, as a decision of its own.

A trading process holds its own broker connection (with the simulated broker, the
only one); a kill from the command line may have none. So the trading process answers
the kill itself (:meth:`KillSwitch.carry_out`, wired through
``RiskGate(on_kill=...)``): within one cycle it sees the kill's HALTED, cancels its
open orders and, when the kill asked for it, flattens.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.errors import BrokerError, InvalidInput, OrderNotCancelable
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.orders.client_order_id import DecisionKey
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.lifecycle import IntentStatus
from tradecore.domain.orders.records import DecisionRecord
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.kill_request import (
    KillRequest,
    kill_request_of,
    kill_state_reason,
)
from tradecore.domain.risk.trading_state import TradingState
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store
from tradecore.services.durability.commits import CommitEachStep
from tradecore.services.durability.fault_points import fault_point
from tradecore.services.orders.order_manager import OrderManager

KILL_STRATEGY_ID = "kill_switch"
NO_BROKER = "no broker configured"
_ZERO = Decimal(0)
#: A working order sized in dollars: how many shares it may still trade is unknown.
_UNKNOWN = Decimal("Infinity")
#: Ours, possibly at the broker, not yet in its open orders (in flight).


@attrs.frozen(kw_only=True)
class KillReport:
    """What a kill did: the state is always HALTED; the rest as far as it got."""

    reason: str
    halted_at: datetime | None
    canceled: tuple[str, ...] = ()
    already_final: tuple[str, ...] = ()
    not_canceled: tuple[tuple[str, str], ...] = ()
    flatten_requested: bool = False
    flatten_orders: tuple[str, ...] = ()
    not_flattened: tuple[tuple[str, str], ...] = ()
    broker_error: str | None = None
    #: Cancels asked for but still working at the broker when the wait ended:
    #: (client order id, why). They may still fill.
    unconfirmed: tuple[tuple[str, str], ...] = ()
    #: Shares a flatten did not close because orders on its side are still
    #: working: (symbol, what was held back and why). The next cycle finishes them.
    flatten_held_back: tuple[tuple[str, str], ...] = ()
    #: The broker held no order of ours (the kill's flatten orders included) and,
    #: for a flatten, no position when this round looked: nothing is left to do.
    settled: bool = False

    @property
    def complete(self) -> bool:
        """True when every cancel was confirmed and every requested flatten was sent
        in full."""
        return (
            self.broker_error is None
            and not self.not_canceled
            and not self.not_flattened
            and not self.unconfirmed
            and not self.flatten_held_back
        )

    @property
    def open_issues(self) -> str:
        """One line on what was not confirmed ('' when complete)."""
        parts = []
        if self.broker_error is not None:
            parts.append(self.broker_error)
        if self.not_canceled:
            parts.append(f"{len(self.not_canceled)} order(s) not cancelled")
        if self.unconfirmed:
            parts.append(f"{len(self.unconfirmed)} cancel(s) not confirmed")
        parts += [f"{symbol} {why}" for symbol, why in self.flatten_held_back]
        parts += [
            f"{symbol} not flattened: {why}" for symbol, why in self.not_flattened
        ]
        return "; ".join(parts)


class KillSwitch:
    """Halts trading on a store and clears the broker."""

    def __init__(
        self,
        store: Store,
        broker: Broker | None,
        clock: Clock,
        alerter: Alerter,
        *,
        settle_for: timedelta = timedelta(seconds=5),
        poll_every: timedelta = timedelta(milliseconds=500),
    ) -> None:
        """Wire the switch.

        Args:
            store: where HALTED is persisted (shared with the trading processes).
            broker: where orders are cancelled; ``None`` when none is configured (the
                kill then halts and reports every open order as not cancelled).
            clock: time for the records and for waiting on cancels.
            alerter: where the kill is announced.
            settle_for: how long to wait for cancels to land before flattening.
            poll_every: how often to look while waiting.
        """
        self._store = store
        self._broker = broker
        self._clock = clock
        self._alerter = alerter
        self._settle_for = settle_for
        self._poll_every = poll_every
        #: What the last round of each kill answered here reported (kill id ->).
        self._answered: dict[str, dict[str, object]] = {}

    def kill(self, reason: str, *, flatten: bool = False) -> KillReport:
        """Halt trading (persisted first), cancel open orders, optionally flatten.

        Raises:
            InvalidInput: ``reason`` is blank (a kill must say why).
        """
        if not reason.strip():
            raise InvalidInput("reason", reason, "a kill needs a reason")
        request = self._halt(reason, flatten)
        return self._clear_broker(request, by="kill command")

    def carry_out(self, request: KillRequest) -> KillReport:
        """Answer a kill persisted elsewhere: cancel here, flatten if it asked.

        The trading process calls this when it first sees the kill's HALTED, and
        again every cycle until the report is :attr:`~KillReport.settled`; its broker
        is the one holding its orders. The state is not touched (it is already
        HALTED); the first answer is audited and alerted like a kill, later rounds
        when they change something.
        """
        return self._clear_broker(request, by="trading process")

    def _clear_broker(self, request: KillRequest, *, by: str) -> KillReport:
        report = KillReport(
            reason=request.reason,
            halted_at=request.killed_at,
            flatten_requested=request.flatten,
        )
        report, anything_open = self._cancel_all(report)
        fault_point("during_kill_switch")
        if request.flatten:
            report = self._flatten(report, request, anything_open)
        else:
            settled = not anything_open and report.broker_error is None
            report = attrs.evolve(report, settled=settled)
        self._record(report, request, by)
        return report

    def _halt(self, reason: str, flatten: bool) -> KillRequest:
        with self._store.unit_of_work() as uow:
            state = uow.controls.set_trading_state(
                TradingState.HALTED, kill_state_reason(reason, flatten=flatten)
            )
            uow.audit.append(
                "kill_switch",
                {"reason": reason, "flatten": flatten, "state": TradingState.HALTED},
            )
            uow.commit()
        request = kill_request_of(state)
        assert request is not None  # the store returns the row just written
        return request

    def _cancel_all(self, report: KillReport) -> tuple[KillReport, bool]:
        """Cancel every open order but the kills' own flatten orders; wait for them.

        Returns the report and whether the broker had any order open at all.
        """
        broker = self._broker
        if broker is None:
            return self._unreachable(report, NO_BROKER), True
        try:
            orders = broker.open_orders()
        except BrokerError as error:
            return self._unreachable(report, f"broker unreachable: {error}"), True
        flattening = self._flatten_order_ids()
        canceled, final, failed = [], [], []
        for order in orders:
            if order.client_order_id in flattening:
                continue  # closing the position is what a kill wants
            if order.status is BrokerOrderStatus.PENDING_CANCEL:
                canceled.append(order.client_order_id)  # asked before; wait for it
                continue
            try:
                broker.cancel(order.broker_order_id)
                canceled.append(order.client_order_id)
            except OrderNotCancelable:
                final.append(order.client_order_id)
            except BrokerError as error:
                failed.append((order.client_order_id, str(error)))
        still = self._wait_for(set(canceled)) if canceled else set()
        waited = self._settle_for.total_seconds()
        unconfirmed = tuple(
            (cid, f"cancel asked for, still working after {waited:g}s: may fill")
            for cid in canceled
            if cid in still
        )
        report = attrs.evolve(
            report,
            canceled=tuple(canceled),
            already_final=tuple(final),
            not_canceled=tuple(failed),
            unconfirmed=unconfirmed,
        )
        return report, bool(orders)

    def _unreachable(self, report: KillReport, why: str) -> KillReport:
        with self._store.unit_of_work() as uow:
            open_ids = [i.client_order_id for i in uow.intents.open_intents()]
        return attrs.evolve(
            report,
            broker_error=why,
            not_canceled=tuple((cid, why) for cid in open_ids),
            not_flattened=(("*", why),) if report.flatten_requested else (),
        )

    def _wait_for(self, client_ids: set[str]) -> set[str]:
        """Wait up to ``settle_for`` for the cancels to land; return those still open."""
        assert self._broker is not None
        deadline = self._clock.now() + self._settle_for
        while True:
            try:
                still = client_ids & {
                    o.client_order_id for o in self._broker.open_orders()
                }
            except BrokerError:
                return client_ids  # cannot look: nothing is confirmed
            if not still or self._clock.now() >= deadline:
                return still
            self._clock.sleep(self._poll_every.total_seconds())

    def _flatten(
        self, report: KillReport, request: KillRequest, anything_open: bool
    ) -> KillReport:
        broker = self._broker
        if broker is None or report.broker_error is not None:
            return report
        try:
            # The rounds before the broker's state: another process's flatten round
            # counted as done here was already at the broker when it is read below.
            symbols = [p.symbol for p in broker.positions() if not p.is_flat]
            rounds = self._next_rounds(request, symbols)
            # The orders first: a fill landing between the two reads moves shares
            # from "working" to "held", which can only make the flatten smaller.
            open_orders = broker.open_orders()
            positions = [p for p in broker.positions() if not p.is_flat]
        except BrokerError as error:
            return attrs.evolve(report, not_flattened=(("*", str(error)),))
        working = self._working(open_orders)
        orders = OrderManager(broker, self._clock, CommitEachStep(self._store))
        sent: list[str] = []
        failed: list[tuple[str, str]] = []
        held_back: list[tuple[str, str]] = []
        for position in positions:
            side = Side.SELL if position.qty > 0 else Side.BUY
            held = abs(position.qty)
            mine = working.get((position.symbol, side), _Working())
            sent += mine.flattening
            others = min(mine.others, held)
            if others > 0:
                held_back.append(
                    (
                        position.symbol,
                        f"{others} share(s) held back: {len(mine.other_ids)} "
                        f"{side.value} order(s) still working "
                        f"({', '.join(mine.other_ids[:3])})",
                    )
                )
            qty = held - others - min(mine.own, held - others)
            if qty <= 0 or position.symbol not in rounds:
                continue  # a symbol new since the rounds were read: the next cycle
            try:
                stored = self._place(
                    orders, request, position.symbol, side, qty, rounds[position.symbol]
                )
            except BrokerError as error:
                failed.append((position.symbol, str(error)))
                continue
            if stored is None:
                held_back.append(
                    (position.symbol, f"round {rounds[position.symbol]} in progress")
                )
                continue
            if stored.status is IntentStatus.REJECTED:
                failed.append((position.symbol, stored.reason or "rejected"))
            else:
                sent.append(stored.client_order_id)
        settled = not anything_open and not open_orders and not positions
        return attrs.evolve(
            report,
            flatten_orders=tuple(sent),
            not_flattened=tuple(failed),
            flatten_held_back=tuple(held_back),
            settled=settled and not working,
        )

    def _working(
        self, open_orders: Sequence[BrokerOrder]
    ) -> dict[tuple[str, Side], _Working]:
        """What may still trade, by symbol and side: the broker's open orders and
        ours it has not acknowledged yet (in flight, or sent by another process)."""
        flattening = self._flatten_order_ids()
        working: dict[tuple[str, Side], _Working] = {}

        def add(cid: str, spec: OrderSpec, filled: Decimal) -> None:
            slot = working.setdefault((spec.symbol, spec.side), _Working())
            left = _UNKNOWN if spec.qty is None else max(spec.qty - filled, _ZERO)
            if cid in flattening:
                slot.own += left
                slot.flattening.append(cid)
            else:
                slot.others += left
                slot.other_ids.append(cid)

        listed = set()
        for order in open_orders:
            listed.add(order.client_order_id)
            add(order.client_order_id, order.spec, order.filled_qty)
        with self._store.unit_of_work() as uow:
            # Every open intent the broker did not list: not yet sent, in flight, or
            # acknowledged after the listing was read (another process's flatten).
            unacknowledged = [
                i for i in uow.intents.open_intents() if i.client_order_id not in listed
            ]
        for intent in unacknowledged:
            add(intent.client_order_id, intent.spec, intent.filled_qty)
        return working

    def _flatten_order_ids(self) -> set[str]:
        """Flatten orders of kills still open in the store (never cancelled by a kill)."""
        with self._store.unit_of_work() as uow:
            return {
                i.client_order_id
                for i in uow.intents.open_intents()
                if i.decision_key.strategy_id == KILL_STRATEGY_ID
            }

    def _next_rounds(
        self, request: KillRequest, symbols: Sequence[str]
    ) -> dict[str, int]:
        """Each symbol's next flatten round: the first whose decision has no outcome.

        Read before the broker's state: a round another process finished (its order
        accepted by the broker, its outcome stored) is then visible in that state.
        """
        rounds: dict[str, int] = {}
        with self._store.unit_of_work() as uow:
            for symbol in symbols:
                round_ = 0
                while uow.decisions.outcome(_decision_id(request, symbol, round_)):
                    round_ += 1
                rounds[symbol] = round_
        return rounds

    def _place(
        self,
        orders: OrderManager,
        request: KillRequest,
        symbol: str,
        side: Side,
        qty: Decimal,
        round_: int,
    ) -> OrderIntent | None:
        """Place round ``round_``'s flatten order for ``symbol``.

        Every process reading the same store derives the same round; the first to
        store the round's decision claims it, with its intent in the same commit, and
        only the claimant sends. Another process that computed the round (perhaps at
        another size) finds the claim and sends nothing (``None``): the round is in
        progress, and the next cycle sees its outcome. The rest of a position that a
        confirmed cancel or a late fill left is flattened in the next round.
        """
        decision, intent = self._flatten_intent(request, symbol, side, qty, round_)
        with self._store.unit_of_work() as uow:
            if uow.decisions.record_decision(decision):
                uow.intents.create(intent)
                uow.commit()
                claimed: OrderIntent | None = intent
            else:
                claimed = _round_intent(uow.intents.by_status(*IntentStatus), intent)
        if claimed is None:
            return None
        # The claimant's intent (ours, or one a crashed or slower process left):
        # placing it again is exactly-once by its client order id.
        return orders.place(decision, claimed)

    def _flatten_intent(
        self,
        request: KillRequest,
        symbol: str,
        side: Side,
        qty: Decimal,
        round_: int,
    ) -> tuple[DecisionRecord, OrderIntent]:
        now = self._clock.now()
        spec = OrderSpec(symbol=symbol, side=side, qty=qty)
        signal = request.kill_id[:16]
        key = DecisionKey(
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            side=side,
            session_date=request.killed_at.date(),
            horizon="kill",
            signal_hash=signal if round_ == 0 else f"{signal}.{round_}",
            qty=qty,
        )
        intent = OrderIntent.create(
            key, spec, decided_at=now, execution_policy="market"
        )
        decision = DecisionRecord(
            # One decision per round: a rest that a late fill or a confirmed cancel
            # left (flattened by a later carry-out) is a decision of its own.
            decision_id=_decision_id(request, symbol, round_),
            strategy_id=KILL_STRATEGY_ID,
            symbol=symbol,
            decided_at=now,
            inputs_hash=request.kill_id,
            details={"kill_id": request.kill_id, "flatten": str(qty), "round": round_},
        )
        return decision, intent

    def _record(self, report: KillReport, request: KillRequest, by: str) -> None:
        """Audit and alert the first answer to a kill in full; a later round (the
        trading process finishing it) only when something changed."""
        summary: dict[str, object] = {
            "by": by,
            "kill_id": request.kill_id,
            "reason": report.reason,
            "canceled": list(report.canceled),
            "already_final": list(report.already_final),
            "not_canceled": [list(x) for x in report.not_canceled],
            "unconfirmed": [list(x) for x in report.unconfirmed],
            "flatten_orders": list(report.flatten_orders),
            "flatten_held_back": [list(x) for x in report.flatten_held_back],
            "not_flattened": [list(x) for x in report.not_flattened],
            "broker_error": report.broker_error,
            "complete": report.complete,
            "settled": report.settled,
        }
        previous = self._answered.get(request.kill_id)
        self._answered[request.kill_id] = summary
        if previous == summary:
            return  # another round with nothing new: no audit row, no alert
        first = previous is None
        now = self._clock.now()
        with self._store.unit_of_work() as uow:
            uow.audit.append(
                "kill_switch_done" if first else "kill_switch_follow_up",
                {**summary, "acted_at": now},
            )
            uow.commit()
        issues = report.open_issues
        if first:
            level = Severity.CRITICAL
            message = f"kill switch ({by}): trading HALTED ({report.reason})"
        else:
            level = Severity.WARNING if issues else Severity.INFO
            message = f"kill switch follow-up ({by}): " + (
                "done, nothing open" if report.settled else "still clearing"
            )
        if issues:
            message += f"; NOT confirmed: {issues}"
            if report.flatten_held_back or report.unconfirmed:
                message += " (the trading process finishes it next cycle)"
        self._alerter.send(
            Alert(
                severity=level,
                code=AlertCode.KILL_SWITCH.value,
                message=message,
                raised_at=now,
                context={**summary, "acted_at": now},
            )
        )


@attrs.define
class _Working:
    """Quantity still working on one side of one symbol: the kills' own flatten
    orders apart from everyone else's."""

    own: Decimal = Decimal(0)
    others: Decimal = Decimal(0)
    flattening: list[str] = attrs.Factory(list)
    other_ids: list[str] = attrs.Factory(list)


def _decision_id(request: KillRequest, symbol: str, round_: int) -> str:
    return DecisionRecord.make_id(
        KILL_STRATEGY_ID, symbol, request.killed_at, f"{request.kill_id}:{round_}"
    )


def _round_intent(
    intents: Sequence[OrderIntent], ours: OrderIntent
) -> OrderIntent | None:
    """The intent a round's claimant stored with its decision (any size), if any."""
    key = ours.decision_key
    for intent in intents:
        theirs = intent.decision_key
        if (
            theirs.strategy_id == key.strategy_id
            and theirs.symbol == key.symbol
            and theirs.signal_hash == key.signal_hash
            and theirs.session_date == key.session_date
        ):
            return intent
    return None
