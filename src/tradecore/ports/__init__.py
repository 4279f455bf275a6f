"""Ports: the Protocols services need from the outside world."""

from tradecore.ports.alerts import Alert, AlertCode, Alerter, AlertSink, Severity
from tradecore.ports.broker import Broker, BrokerOrder, Capability, ScheduledBroker
from tradecore.ports.clock import Clock
from tradecore.ports.market_data import MarketData
from tradecore.ports.metrics import ComponentHealth, HealthCheck, Metrics
from tradecore.ports.signing import Signer, Verifier
from tradecore.ports.store import (
    AuditLog,
    BrokerOrderRepository,
    ControlStateRepository,
    CostModelRepository,
    DecisionRepository,
    FillRepository,
    IntentRepository,
    ModelRegistry,
    PositionSnapshotRepository,
    Store,
    UnitOfWork,
)
from tradecore.ports.store_records import (
    BrokerOrderRecord,
    CostModelVersion,
    ManifestRecord,
    ModelRecord,
    PositionSnapshot,
)

__all__ = [
    "Alert",
    "AlertCode",
    "AlertSink",
    "Alerter",
    "AuditLog",
    "Broker",
    "BrokerOrder",
    "BrokerOrderRecord",
    "BrokerOrderRepository",
    "Capability",
    "Clock",
    "ComponentHealth",
    "ControlStateRepository",
    "CostModelRepository",
    "CostModelVersion",
    "DecisionRepository",
    "FillRepository",
    "HealthCheck",
    "IntentRepository",
    "ManifestRecord",
    "MarketData",
    "Metrics",
    "ModelRecord",
    "ModelRegistry",
    "PositionSnapshot",
    "PositionSnapshotRepository",
    "ScheduledBroker",
    "Severity",
    "Signer",
    "Store",
    "UnitOfWork",
    "Verifier",
]
