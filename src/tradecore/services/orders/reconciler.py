"""Reconciliation: make our books agree with the broker after a restart or a gap.

For every open intent, the broker's record (from one listing of its open orders per
pass, else looked up by client order id) is adopted; the pass reads and writes its
intents in batches, so its cost is linear in their number.
An order the broker does not know is settled the duplicate-safe way: an intent that was
only SUBMITTED is resent under the *same* id (if it got there, the broker answers
"duplicate" and we adopt it; if the resend is refused, the id is looked up once more
before the refusal is believed). An intent the broker had *acknowledged* but now cannot
find is an outage until proved otherwise: it stays open, is reported every pass, and
after a grace period (brokers are briefly inconsistent) alerted as
``order.acknowledged_not_found``. It is never failed here, so no new attempt (no new
client order id) follows it without an operator's action. An intent still CREATED was
never sent: it is marked FAILED, never sent late.

An open broker order whose intent we hold as REJECTED or FAILED contradicts our
verdict: it is adopted (its fills overrule the verdict) and reported.

Then positions: the ledger rebuilt from stored fills is compared with the broker's
positions, every difference is recorded with the action taken, and the comparison of
every symbol is stored (:class:`PositionCheck`). Reconciliation never trades to "fix"
anything.

Healing (``heal=True``: ``tradecore-live run``, ``tradecore-live reconcile --heal``)
adopts the broker's truth into the store and the ledger instead of only reporting it
(representations in :mod:`tradecore.domain.orders.adoption`):

* an order at the broker under a client order id we never derived — open now, or
  seen in an event no intent matched (``OrderManager.unknown_orders``) — becomes an
  *external* intent under the broker's id, brought level with the broker (its fills
  enter the ledger);
* an open intent whose broker order filled more than we counted gets the missing
  fill (as on every pass; with ``heal`` or not);
* a position that still differs, in a symbol where neither side has an order working
  (so no event can still be on its way), gets a deterministic *position adjustment*.

Each healing is audited (``reconcile_healed``, before and after) and announced
(``reconcile.healed``); every position difference is alerted (``reconcile.drift``).
While the process is trading (``run(while_running=True)``: the live loop's periodic
pass), events may still be on their way from the broker, so a fill gap, an external
order with fills or a position drift is healed only when the next pass finds it
unchanged; a restart (events applied first) and an operator's ``--heal`` heal at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain.errors import (
    BrokerRejected,
    DuplicateClientOrderId,
    OrderNotFound,
    TransientBrokerError,
)
from tradecore.domain.orders.account import Position
from tradecore.domain.orders.adoption import (
    adjustment_price,
    external_intent,
    position_adjustment,
)
from tradecore.domain.orders.events import OrderEvent, OrderEventKind
from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.intent import OrderIntent, mark_failed
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.lifecycle import VERDICTS, IntentStatus
from tradecore.domain.orders.records import OutcomeKind, OutcomeRecord
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.ports.store import UnitOfWork
from tradecore.ports.store_records import PositionCheck
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.orders.order_manager import OrderManager


@attrs.frozen(kw_only=True)
class Discrepancy:
    """One disagreement found, and what was done about it."""

    kind: str
    action: str
    symbol: str | None = None
    client_order_id: str | None = None
    ours: str | None = None
    theirs: str | None = None


@attrs.frozen(kw_only=True)
class Healing:
    """One piece of the broker's truth adopted into the store, before and after."""

    kind: str
    action: str
    symbol: str
    client_order_id: str
    before: Mapping[str, str]
    after: Mapping[str, str]


@attrs.frozen(kw_only=True)
class ReconcileReport:
    """What a reconciliation pass found and did."""

    checked: int
    adopted: int
    discrepancies: tuple[Discrepancy, ...]
    healed: tuple[Healing, ...] = ()
    #: Broker against ledger for every symbol either holds, as stored this pass.
    positions: tuple[PositionCheck, ...] = ()

    @property
    def clean(self) -> bool:
        """True when nothing disagreed."""
        return not self.discrepancies


class Reconciler:
    """Runs reconciliation passes against one broker and store."""

    def __init__(
        self,
        broker: Broker,
        clock: Clock,
        commits: CommitPolicy,
        orders: OrderManager,
        *,
        grace_period: timedelta = timedelta(seconds=30),
        alerter: Alerter | None = None,
        metrics: Metrics | None = None,
        heal: bool = False,
    ) -> None:
        """Wire the reconciler; ``grace_period``: how long "not found" is only doubted.

        ``alerter`` hears of every pass that found discrepancies (one alert, counts
        by kind), healed something or found a position drift; ``metrics`` counts each
        discrepancy. ``heal``: adopt external orders and position drift (module
        docstring) instead of only reporting them.
        """
        self._heal = heal
        #: What the previous pass while running left to look at again (module doc).
        self._doubted: set[tuple[str, ...]] = set()
        self._doubts: set[tuple[str, ...]] = set()
        #: Whether this pass resent an order (the broker's listing changed).
        self._resent = False
        self._alerter = alerter
        self._metrics = metrics
        self._broker = broker
        self._clock = clock
        self._commits = commits
        self._orders = orders
        self._grace = grace_period

    @property
    def heals(self) -> bool:
        """Whether this reconciler adopts external orders and position drift."""
        return self._heal

    def run(self, *, while_running: bool = False) -> ReconcileReport:
        """Reconcile open intents, then outcomes, then orphans and positions.

        ``while_running``: the trading process's periodic pass (events may be on
        their way, so gaps are healed only when the next pass finds them unchanged).
        """
        self._doubts = set()
        found: list[Discrepancy] = []
        healed: list[Healing] = []
        self._resent = False
        with self._commits.step() as uow:
            intents = list(uow.intents.open_intents())
        # Ask the broker before each transaction: no network wait while holding the
        # store's write lock (on SQLite that would block every other writer).
        open_orders = list(self._broker.open_orders())
        adopted = self._reconcile_intents(
            intents, open_orders, found, healed, while_running
        )
        if self._resent:  # the listing no longer shows what the broker works
            open_orders = list(self._broker.open_orders())
        positions = {p.symbol: p for p in self._broker.positions()}
        seen = self._unknown_orders(open_orders)
        now = self._clock.now()
        with self._commits.step() as uow:
            # The fills are read once: the orphan check may add some, read after.
            stored, mark = uow.fills.recorded_after(0)
            before = _in_execution_order(stored)
            self._settle_outcomes(uow, found)
            self._check_orphans(
                uow, found, healed, [*open_orders, *seen], while_running
            )
            added, _ = uow.fills.recorded_after(mark)
            fills = _in_execution_order([*before, *added]) if added else before
            busy = {o.spec.symbol for o in open_orders} | uow.intents.open_symbols()
            checks = self._check_positions(
                uow, found, healed, positions, _ledger(before), fills, busy, now,
                while_running,
            )  # fmt: skip
            uow.positions.record_checks(checks)
            for d in found:
                uow.audit.append("reconcile_discrepancy", attrs.asdict(d))
            for h in healed:
                uow.audit.append("reconcile_healed", attrs.asdict(h))
        self._commits.flush()
        self._doubted = self._doubts
        self._announce(found, healed)
        return ReconcileReport(
            checked=len(intents),
            adopted=adopted,
            discrepancies=tuple(found),
            healed=tuple(healed),
            positions=tuple(checks),
        )

    def _confirmed(self, while_running: bool, *doubt: str) -> bool:
        """Whether a gap may be healed now: at once, or if the last pass saw it too."""
        if not while_running:
            return True
        self._doubts.add(doubt)
        return doubt in self._doubted

    def _unknown_orders(self, open_orders: Sequence[BrokerOrder]) -> list[BrokerOrder]:
        """The broker's record of orders seen in events that no intent matched."""
        if not self._heal:
            return []
        listed = {o.client_order_id for o in open_orders}
        found: list[BrokerOrder] = []
        for cid in sorted(self._orders.unknown_orders()):
            if cid in listed:
                continue
            try:
                found.append(self._broker.get_order_by_client_id(cid))
            except OrderNotFound:
                self._orders.forget_unknown(cid)
            except TransientBrokerError:
                continue  # look again next pass
        return found

    def _announce(self, found: list[Discrepancy], healed: list[Healing]) -> None:
        """Count the discrepancies; one alert for them, one for healings, one for drift."""
        self._announce_drift(found)
        self._announce_healing(healed)
        self._announce_mismatch(found)

    def _announce_mismatch(self, found: list[Discrepancy]) -> None:
        """Count the discrepancies and raise one alert for the pass, if any."""
        kinds: dict[str, int] = {}
        for d in found:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
            if self._metrics is not None:
                self._metrics.reconcile_discrepancy(d.kind)
        if not found or self._alerter is None:
            return
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.RECONCILE_MISMATCH.value,
                message=f"reconciliation found {len(found)} discrepancies: {summary}",
                raised_at=self._clock.now(),
                context={"kinds": dict(sorted(kinds.items()))},
            )
        )

    def _announce_healing(self, healed: list[Healing]) -> None:
        if not healed or self._alerter is None:
            return
        kinds: dict[str, int] = {}
        for h in healed:
            kinds[h.kind] = kinds.get(h.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        self._alerter.send(
            Alert(
                severity=Severity.WARNING,
                code=AlertCode.RECONCILE_HEALED.value,
                message=f"reconciliation adopted the broker's truth: {summary}",
                raised_at=self._clock.now(),
                context={
                    "kinds": dict(sorted(kinds.items())),
                    "healed": [attrs.asdict(h) for h in healed],
                    "dedup_key": ",".join(sorted(h.client_order_id for h in healed)),
                },
            )
        )

    def _announce_drift(self, found: list[Discrepancy]) -> None:
        drift = [d for d in found if d.kind in DRIFT_KINDS]
        if not drift or self._alerter is None:
            return
        what = ", ".join(f"{d.symbol} ours={d.ours} broker={d.theirs}" for d in drift)
        self._alerter.send(
            Alert(
                severity=Severity.CRITICAL,
                code=AlertCode.RECONCILE_DRIFT.value,
                message=f"positions differ from the broker's: {what}",
                raised_at=self._clock.now(),
                context={
                    "positions": [attrs.asdict(d) for d in drift],
                    "dedup_key": what,
                },
            )
        )

    def _reconcile_intents(
        self,
        intents: Sequence[OrderIntent],
        open_orders: Sequence[BrokerOrder],
        found: list[Discrepancy],
        healed: list[Healing],
        while_running: bool,
    ) -> int:
        """Settle every open intent against the broker; return how many were adopted.

        Linear in the number of intents, with a constant number of reads: the
        broker's listing of its open orders is taken once for the pass (and again
        only after a resend changed it); an intent it does not show is looked up by
        id as before (its order may have ended, or never arrived). Each intent's
        decision is the one :meth:`_settle` makes on its own; the adoptions are
        written in one unit of work (:meth:`_adopt_all`), and an intent already
        level with its order is left alone (adopting it would write nothing).
        If that unit fails, none of its adoptions is kept: the next pass makes them
        again.
        """
        if not intents:
            return 0
        listed = {o.client_order_id: o for o in open_orders}
        adopt = []
        for intent in intents:
            order = self._settle(intent, listed, found, while_running)
            if order is not None:
                adopt.append((intent, order))
        # An intent already level with its order needs no write, and so no read.
        catch_up = self._orders.catch_up
        behind = [(i, o, e) for i, o in adopt if (e := catch_up(i, o))]
        if behind:
            self._adopt_all(behind, healed)
        return len(adopt)

    def _settle(
        self,
        intent: OrderIntent,
        listed: Mapping[str, BrokerOrder],
        found: list[Discrepancy],
        while_running: bool,
    ) -> BrokerOrder | None:
        """Decide one intent; return the broker order to adopt, or None (handled)."""
        cid = intent.client_order_id
        if intent.status is IntentStatus.CREATED:
            self._fail(intent, "not sent before restart")
            found.append(
                Discrepancy(kind="unsent_intent", client_order_id=cid, action="failed")
            )
            return None
        order = listed.get(cid) or self._find(cid)
        if order is None and not _acknowledged(intent):
            order = self._resend(intent, found)
            if order is None:
                return None
        if order is None:
            self._handle_missing(intent, found)
            return None
        if order.filled_qty > intent.filled_qty and not self._confirmed(
            while_running, "fill", cid, str(order.filled_qty)
        ):
            found.append(
                Discrepancy(
                    kind="fill_gap",
                    client_order_id=cid,
                    symbol=intent.spec.symbol,
                    ours=str(intent.filled_qty),
                    theirs=str(order.filled_qty),
                    action="look again next pass (its events may be on their way)",
                )
            )
            return None
        return order

    def _adopt_all(
        self,
        behind: Sequence[tuple[OrderIntent, BrokerOrder, Sequence[OrderEvent]]],
        healed: list[Healing],
    ) -> None:
        """Bring each intent level with its broker order, in one unit of work.

        Each adoption is built on the intent as the pass read it; the store's
        version check proves it unchanged. The plain status moves (acks, mostly)
        are written in one batch (:meth:`OrderManager.adopt_many`). One that
        changed since (an event applied meanwhile) is read again and adopted from
        there, as a fresh read would have done.
        """
        with self._commits.step() as uow:
            adopted = self._orders.adopt_many(uow, behind)
            for (intent, order, _), after in zip(behind, adopted, strict=True):
                before = intent
                if after is None:
                    before = uow.intents.get(intent.client_order_id)
                    after = self._orders.adopt(uow, before, order, stored=True)
                if after.filled_qty != before.filled_qty:
                    healed.append(
                        _healing("missed_fill", "applied the fill", before, after)
                    )

    def _find(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return self._broker.get_order_by_client_id(client_order_id)
        except OrderNotFound:
            return None

    def _resend(
        self, intent: OrderIntent, found: list[Discrepancy]
    ) -> BrokerOrder | None:
        """Resend a SUBMITTED intent the broker does not show, under the same id."""
        cid = intent.client_order_id
        self._resent = True
        try:
            return self._broker.submit(cid, intent.spec)
        except DuplicateClientOrderId:
            order = self._find(cid)
        except BrokerRejected as e:
            # The broker showed no order under this id and refuses it now; one more
            # look, in case the first try landed in between, before believing it.
            order = self._find(cid)
            if order is None:
                self._apply_reject(intent, e.reason)
                found.append(
                    Discrepancy(
                        kind="resend_rejected", client_order_id=cid, action="rejected"
                    )
                )
                return None
        except TransientBrokerError:
            order = None
        if order is None:
            found.append(
                Discrepancy(
                    kind="unresolved", client_order_id=cid, action="retry later"
                )
            )
        return order

    def _handle_missing(self, intent: OrderIntent, found: list[Discrepancy]) -> bool:
        """An acknowledged order the broker cannot find: keep it open, look again."""
        cid = intent.client_order_id
        age = self._clock.now() - intent.updated_at
        if age < self._grace:
            found.append(
                Discrepancy(
                    kind="unresolved", client_order_id=cid, action="retry later"
                )
            )
            return False
        found.append(
            Discrepancy(
                kind="acknowledged_order_not_found",
                client_order_id=cid,
                symbol=intent.spec.symbol,
                ours=intent.status.value,
                theirs="not found",
                action="kept open; alert; look again next pass",
            )
        )
        if self._alerter is not None:
            self._alerter.send(
                Alert(
                    severity=Severity.CRITICAL,
                    code=AlertCode.ACKED_ORDER_NOT_FOUND.value,
                    message=(
                        f"the broker acknowledged {cid} ({intent.spec.symbol}, "
                        f"{intent.broker_order_id}) and now answers not found; "
                        "kept open: no new order for this decision without an operator"
                    ),
                    raised_at=self._clock.now(),
                    context={
                        "client_order_id": cid,
                        "broker_order_id": intent.broker_order_id,
                        "status": intent.status.value,
                        "dedup_key": cid,
                    },
                )
            )
        return False

    def _fail(self, intent: OrderIntent, reason: str) -> None:
        with self._commits.step() as uow:
            current = uow.intents.get(intent.client_order_id)
            uow.intents.update(mark_failed(current, reason, self._clock.now()))

    def _apply_reject(self, intent: OrderIntent, reason: str) -> None:
        event = OrderEvent(
            kind=OrderEventKind.REJECTED,
            client_order_id=intent.client_order_id,
            occurred_at=self._clock.now(),
            reason=reason,
        )
        with self._commits.step() as uow:
            self._orders.apply(uow, event)

    def _settle_outcomes(self, uow: UnitOfWork, found: list[Discrepancy]) -> None:
        now = self._clock.now()
        waiting = list(uow.decisions.decisions_without_outcome())
        ids = [d.details.get("client_order_id") for d in waiting]
        intents = uow.intents.find_many(str(cid) for cid in ids if cid)
        for decision, cid in zip(waiting, ids, strict=True):
            intent = intents.get(str(cid)) if cid else None
            if intent is not None and intent.status is not IntentStatus.FAILED:
                outcome = OutcomeRecord(
                    decision_id=decision.decision_id,
                    kind=OutcomeKind.SUBMITTED,
                    recorded_at=now,
                    client_order_id=intent.client_order_id,
                    details={"ack": "reconciled"},
                )
            else:
                outcome = OutcomeRecord(
                    decision_id=decision.decision_id,
                    kind=OutcomeKind.FAILED,
                    recorded_at=now,
                    reason="interrupted",
                    details={"why": "process stopped before the order was sent"},
                )
            uow.decisions.record_outcome(outcome)
            found.append(
                Discrepancy(
                    kind="missing_outcome", action=f"recorded {outcome.kind.value}"
                )
            )

    def _check_orphans(
        self,
        uow: UnitOfWork,
        found: list[Discrepancy],
        healed: list[Healing],
        orders: Sequence[BrokerOrder],
        while_running: bool,
    ) -> None:
        done: set[str] = set()
        # Two reads for all the orders: the status of each one's intent, then the
        # whole intent where it is a verdict. Each order below touches only its own
        # intent, so what was read stays current for the orders that follow.
        statuses = uow.intents.statuses(o.client_order_id for o in orders)
        verdicts = uow.intents.find_many(
            cid for cid, status in statuses.items() if status in VERDICTS
        )
        for order in orders:
            cid = order.client_order_id
            if cid in done:
                continue
            done.add(cid)
            intent = verdicts.get(cid)
            if intent is not None and intent.status in VERDICTS:
                # The broker works an order we recorded as refused or lost.
                adopted = self._orders.adopt(uow, intent, order, stored=True)
                found.append(
                    Discrepancy(
                        kind="verdict_contradicted",
                        client_order_id=cid,
                        symbol=order.spec.symbol,
                        ours=intent.status.value,
                        theirs=order.status.value,
                        action=f"adopted the broker's order; now {adopted.status.value}",
                    )
                )
            elif cid not in statuses and not self._heal:
                found.append(
                    Discrepancy(
                        kind="orphaned_order",
                        client_order_id=cid,
                        symbol=order.spec.symbol,
                        action="reported; not ours to cancel",
                    )
                )
            elif cid not in statuses:
                self._adopt_external(uow, found, healed, order, while_running)
            else:
                self._orders.forget_unknown(cid)

    def _adopt_external(
        self,
        uow: UnitOfWork,
        found: list[Discrepancy],
        healed: list[Healing],
        order: BrokerOrder,
        while_running: bool,
    ) -> None:
        """Adopt an order tradecore did not send as an external intent (module doc)."""
        cid = order.client_order_id
        filled = str(order.filled_qty)
        if order.filled_qty > 0 and not self._confirmed(
            while_running, "external", cid, filled
        ):
            found.append(
                Discrepancy(
                    kind="external_order",
                    client_order_id=cid,
                    symbol=order.spec.symbol,
                    theirs=f"{order.status.value}, filled {filled}",
                    action="adopt next pass (its events may be on their way)",
                )
            )
            return
        intent = uow.intents.create(
            external_intent(
                client_order_id=cid,
                broker_order_id=order.broker_order_id,
                spec=order.spec,
                submitted_at=order.submitted_at,
            )
        )
        after = self._orders.adopt(uow, intent, order, stored=True)
        self._orders.forget_unknown(cid)
        found.append(
            Discrepancy(
                kind="external_order",
                client_order_id=cid,
                symbol=order.spec.symbol,
                ours="unknown",
                theirs=f"{order.status.value}, filled {filled}",
                action=f"adopted as an external intent; now {after.status.value}",
            )
        )
        healed.append(
            Healing(
                kind="external_order",
                action="adopted as an external intent",
                symbol=order.spec.symbol,
                client_order_id=cid,
                before={"intent": "none"},
                after=_state(after),
            )
        )

    def _check_positions(
        self,
        uow: UnitOfWork,
        found: list[Discrepancy],
        healed: list[Healing],
        theirs: Mapping[str, Position],
        before: Ledger,
        fills: Sequence[Fill],
        busy: set[str],
        now: datetime,
        while_running: bool,
    ) -> list[PositionCheck]:
        """Compare every symbol; heal drift where allowed; return the checks to store.

        ``before``: the ledger as the pass found it; ``fills``: every fill stored
        now, in execution order.
        """
        ours = _ledger(fills)
        held = {p.symbol for p in ours.positions()} | {
            p.symbol for p in before.positions()
        }
        checks: list[PositionCheck] = []
        for symbol in sorted(set(theirs) | held):
            position = theirs.get(symbol)
            broker = position.qty if position is not None else Decimal(0)
            mine = ours.position(symbol)
            result = mine
            if mine != broker:
                action = self._heal_drift(
                    uow, healed, symbol, ours, position, fills, busy, now, while_running
                )
                if action is None:
                    action = "reported; broker position is the truth for risk"
                else:
                    result = broker if action.startswith("healed") else mine
                found.append(
                    Discrepancy(
                        kind="phantom_position" if mine == 0 else "quantity_mismatch",
                        symbol=symbol,
                        ours=str(mine),
                        theirs=str(broker),
                        action=action,
                    )
                )
            checks.append(
                PositionCheck(
                    checked_at=now,
                    symbol=symbol,
                    broker_qty=broker,
                    ledger_qty=before.position(symbol),
                    healed_qty=result,
                )
            )
        return checks

    def _heal_drift(
        self,
        uow: UnitOfWork,
        healed: list[Healing],
        symbol: str,
        ours: Ledger,
        position: Position | None,
        fills: Sequence[Fill],
        busy: set[str],
        now: datetime,
        while_running: bool,
    ) -> str | None:
        """Record a position adjustment if allowed; return the action (None: report)."""
        if not self._heal:
            return None
        mine = ours.position(symbol)
        broker = position.qty if position is not None else Decimal(0)
        if symbol in busy:
            return "not healed: orders are working in the symbol; look again next pass"
        if not self._confirmed(while_running, "drift", symbol, str(mine), str(broker)):
            return "look again next pass (events may be on their way)"
        holding = ours.holdings.get(symbol)
        price = adjustment_price(
            position.avg_entry_price if position is not None else None,
            holding.avg_price if holding is not None else Decimal(0),
        )
        adjustment = position_adjustment(
            symbol=symbol,
            ledger_qty=mine,
            broker_qty=broker,
            price=price,
            fills_in_symbol=sum(1 for f in fills if f.symbol == symbol),
            at=now,
        )
        intent = uow.intents.create(adjustment.intent)
        if intent.status is not IntentStatus.FILLED:
            self._orders.apply(uow, adjustment.event)
        cid = adjustment.intent.client_order_id
        healed.append(
            Healing(
                kind="position_adjustment",
                action=(
                    f"recorded {adjustment.fill.side.value} {adjustment.fill.qty} "
                    f"at {price} (an adjustment, not a trade)"
                ),
                symbol=symbol,
                client_order_id=cid,
                before={"ledger_qty": str(mine), "broker_qty": str(broker)},
                after={"ledger_qty": str(broker), "execution_id": cid},
            )
        )
        return f"healed: position adjustment {cid}"


#: Discrepancy kinds that mean a position differs from the broker's.
DRIFT_KINDS = frozenset({"phantom_position", "quantity_mismatch"})


def _ledger(fills: Sequence[Fill]) -> Ledger:
    return Ledger.opening(Decimal(0)).apply_all(fills)


def _in_execution_order(fills: Sequence[Fill]) -> list[Fill]:
    """Fills in storing order, put in ``FillRepository.all``'s order (time, then row).

    A stable sort by time keeps the storing order among fills of the same time.
    """
    return sorted(fills, key=lambda f: f.filled_at)


def _state(intent: OrderIntent) -> dict[str, str]:
    return {
        "status": intent.status.value,
        "filled_qty": str(intent.filled_qty),
        "broker_order_id": intent.broker_order_id or "",
    }


def _healing(
    kind: str, action: str, before: OrderIntent, after: OrderIntent
) -> Healing:
    return Healing(
        kind=kind,
        action=action,
        symbol=after.spec.symbol,
        client_order_id=after.client_order_id,
        before=_state(before),
        after=_state(after),
    )


def _acknowledged(intent: OrderIntent) -> bool:
    """Whether the broker ever acknowledged the intent's order (we hold its id)."""
    return intent.broker_order_id is not None or intent.status is not (
        IntentStatus.SUBMITTED
    )
