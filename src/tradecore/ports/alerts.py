"""The Alerts port: tell a person."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import attrs

from tradecore.domain import validation as v


class Severity(enum.StrEnum):
    """How urgently a person must look."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@attrs.frozen(kw_only=True, slots=True)
class Alert:
    """One alert: a stable machine ``code`` and a message for people."""

    severity: Severity = attrs.field(validator=v.instance_of(Severity))
    code: str = attrs.field(validator=v.non_empty_str)
    message: str = attrs.field(validator=v.non_empty_str)
    raised_at: datetime = attrs.field(validator=v.utc_datetime)
    context: Mapping[str, object] = attrs.field(factory=dict)


class Alerter(Protocol):
    """A sink (or fan-out of sinks) for alerts."""

    def send(self, alert: Alert) -> None:
        """Deliver ``alert``; a failed delivery is recorded, never raised into trading."""
        ...
