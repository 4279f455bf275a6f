"""Start-up after a crash: make the books agree with the broker before trading.

The order matters:

0. remember the bracketed entries that protect open positions, so that their legs'
   events are recognised as ours and an exit cancels the legs first;
1. apply the events the broker still holds for us (fills that happened while we were
   down arrive with their real execution ids);
2. reconcile every open intent by client order id (adopt statuses; a fill gap the
   broker's events did not explain is filled from the broker's order record);
3. rebuild the engine's book from the store.

Reconciling first would fill a gap from the order record and then count the same
execution again when its event arrived (an overfill, or worse, a phantom position).
Nothing here submits an order except the reconciler's duplicate-safe resend of an
intent that was SUBMITTED and that the broker does not know.
"""

from __future__ import annotations

from tradecore.ports.broker import Broker
from tradecore.services.durability.commits import CommitPolicy
from tradecore.services.durability.fault_points import fault_point
from tradecore.services.orders.reconciler import Reconciler, ReconcileReport
from tradecore.services.trading.engine import TradingEngine


def recover(
    engine: TradingEngine,
    reconciler: Reconciler,
    broker: Broker,
    commits: CommitPolicy,
) -> ReconcileReport:
    """Run the restart sequence above; return what reconciliation found."""
    with commits.step() as uow:  # before the events: our bracket legs' are ours
        engine.learn_brackets(uow)
    engine.on_events(broker.poll_events())
    fault_point("during_recovery")
    report = reconciler.run()
    with commits.step() as uow:
        engine.restore(uow)
    commits.flush()
    return report
