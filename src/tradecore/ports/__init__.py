"""Ports: the Protocols services need from the outside world."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
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

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.ports.alerts": (
        "Alert",
        "AlertCode",
        "Alerter",
        "AlertSink",
        "Severity",
    ),
    "tradecore.ports.broker": (
        "Broker",
        "BrokerOrder",
        "Capability",
        "ScheduledBroker",
    ),
    "tradecore.ports.clock": ("Clock",),
    "tradecore.ports.market_data": ("MarketData",),
    "tradecore.ports.metrics": (
        "ComponentHealth",
        "HealthCheck",
        "Metrics",
    ),
    "tradecore.ports.signing": (
        "Signer",
        "Verifier",
    ),
    "tradecore.ports.store": (
        "AuditLog",
        "BrokerOrderRepository",
        "ControlStateRepository",
        "CostModelRepository",
        "DecisionRepository",
        "FillRepository",
        "IntentRepository",
        "ModelRegistry",
        "PositionSnapshotRepository",
        "Store",
        "UnitOfWork",
    ),
    "tradecore.ports.store_records": (
        "BrokerOrderRecord",
        "CostModelVersion",
        "ManifestRecord",
        "ModelRecord",
        "PositionSnapshot",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

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
