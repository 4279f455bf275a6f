"""Alert sinks: webhook, e-mail, structured log and the store's audit log."""

from typing import TYPE_CHECKING

from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore.adapters.alerts.log_sink import LogSink
    from tradecore.adapters.alerts.smtp import SmtpSink
    from tradecore.adapters.alerts.store_sink import StoreAlertSink
    from tradecore.adapters.alerts.webhook import (
        SIGNATURE_HEADER,
        WebhookSink,
        sign_body,
    )

#: Where each name comes from: imported on first use (see tradecore.domain.lazy).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.adapters.alerts.log_sink": ("LogSink",),
    "tradecore.adapters.alerts.smtp": ("SmtpSink",),
    "tradecore.adapters.alerts.store_sink": ("StoreAlertSink",),
    "tradecore.adapters.alerts.webhook": (
        "SIGNATURE_HEADER",
        "WebhookSink",
        "sign_body",
    ),
}
__getattr__, __dir__ = lazy_attributes(__name__, _ORIGINS)

__all__ = [
    "SIGNATURE_HEADER",
    "LogSink",
    "SmtpSink",
    "StoreAlertSink",
    "WebhookSink",
    "sign_body",
]
