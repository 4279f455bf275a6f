"""Alert sinks: webhook, e-mail, structured log and the store's audit log."""

from tradecore.adapters.alerts.log_sink import LogSink
from tradecore.adapters.alerts.smtp import SmtpSink
from tradecore.adapters.alerts.store_sink import StoreAlertSink
from tradecore.adapters.alerts.webhook import SIGNATURE_HEADER, WebhookSink, sign_body

__all__ = [
    "SIGNATURE_HEADER",
    "LogSink",
    "SmtpSink",
    "StoreAlertSink",
    "WebhookSink",
    "sign_body",
]
