"""Ports: the Protocols services need from the outside world."""

from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder, Capability, ScheduledBroker
from tradecore.ports.clock import Clock
from tradecore.ports.market_data import MarketData
from tradecore.ports.signing import Signer, Verifier
from tradecore.ports.store import (
    AuditLog,
    DecisionRepository,
    FillRepository,
    IntentRepository,
    Store,
    UnitOfWork,
)

__all__ = [
    "Alert",
    "Alerter",
    "AuditLog",
    "Broker",
    "BrokerOrder",
    "Capability",
    "Clock",
    "DecisionRepository",
    "FillRepository",
    "IntentRepository",
    "MarketData",
    "ScheduledBroker",
    "Severity",
    "Signer",
    "Store",
    "UnitOfWork",
    "Verifier",
]
