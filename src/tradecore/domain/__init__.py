"""The pure domain core: value objects, lifecycle, ledger, hashing, simulated venue."""

from tradecore.domain.account import AccountSnapshot, Position
from tradecore.domain.broker_status import INTENT_STATUS_OF, BrokerOrderStatus
from tradecore.domain.client_order_id import DecisionKey, attempt_of, client_order_id
from tradecore.domain.events import OrderEvent, OrderEventKind
from tradecore.domain.executions import Fill
from tradecore.domain.fees import FeeModel
from tradecore.domain.fill_models import (
    AdverseSelectionConfig,
    FillModel,
    ImpactConfig,
    LatencyConfig,
    LiquidityConfig,
    QueueConfig,
    SpreadConfig,
)
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
from tradecore.domain.sessions import TradingSession
from tradecore.domain.venue import SimVenue
from tradecore.domain.venue_config import OutsideHours, VenueConfig

__all__ = [
    "INTENT_STATUS_OF",
    "OPEN",
    "TERMINAL",
    "TRANSITIONS",
    "AccountSnapshot",
    "AdverseSelectionConfig",
    "Applied",
    "Bar",
    "Bracket",
    "BrokerOrderStatus",
    "DecisionKey",
    "FeeModel",
    "Fill",
    "FillModel",
    "Holding",
    "ImpactConfig",
    "IntentStatus",
    "LatencyConfig",
    "Ledger",
    "LiquidityConfig",
    "OrderEvent",
    "OrderEventKind",
    "OrderIntent",
    "OrderSpec",
    "OrderType",
    "OutsideHours",
    "Position",
    "Provenance",
    "QueueConfig",
    "Quote",
    "Side",
    "SimVenue",
    "SpreadConfig",
    "TimeInForce",
    "TradingSession",
    "VenueConfig",
    "apply_event",
    "attempt_of",
    "check_transition",
    "client_order_id",
    "is_terminal",
    "mark_failed",
    "mark_submitted",
]
