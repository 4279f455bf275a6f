"""The pure domain core: value objects, the order lifecycle, the ledger, hashing."""

from tradecore.domain.account import AccountSnapshot, Position
from tradecore.domain.broker_status import INTENT_STATUS_OF, BrokerOrderStatus
from tradecore.domain.client_order_id import DecisionKey, attempt_of, client_order_id
from tradecore.domain.events import OrderEvent, OrderEventKind
from tradecore.domain.executions import Fill
from tradecore.domain.intent import (
    Applied,
    OrderIntent,
    apply_event,
    mark_failed,
    mark_submitted,
)
from tradecore.domain.ledger import Holding, Ledger
from tradecore.domain.lifecycle import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    IntentStatus,
    check_transition,
    is_terminal,
)
from tradecore.domain.market import Bar, Provenance, Quote
from tradecore.domain.orders import Bracket, OrderSpec, OrderType, Side, TimeInForce

__all__ = [
    "INTENT_STATUS_OF",
    "OPEN",
    "TERMINAL",
    "TRANSITIONS",
    "AccountSnapshot",
    "Applied",
    "Bar",
    "Bracket",
    "BrokerOrderStatus",
    "DecisionKey",
    "Fill",
    "Holding",
    "IntentStatus",
    "Ledger",
    "OrderEvent",
    "OrderEventKind",
    "OrderIntent",
    "OrderSpec",
    "OrderType",
    "Position",
    "Provenance",
    "Quote",
    "Side",
    "TimeInForce",
    "apply_event",
    "attempt_of",
    "check_transition",
    "client_order_id",
    "is_terminal",
    "mark_failed",
    "mark_submitted",
]
