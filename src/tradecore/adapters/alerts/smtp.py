"""E-mail alert sink over stdlib ``smtplib``, with STARTTLS when configured.

One message per alert: the subject says severity, code and message; the body has the
same JSON payload every sink sends. Connection problems and 4xx SMTP replies are
retried a bounded number of times; refused credentials or recipients are not.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime

import numpy as np

from tradecore.adapters.alerts._retry import Permanent, Retryable, with_retries
from tradecore.domain.errors import ConfigurationError
from tradecore.ports.alerts import Alert, AlertSink, alert_payload
from tradecore.ports.clock import Clock

_SUBJECT_MAX = 200


class SmtpSink(AlertSink):
    """Mails each alert to a fixed list of recipients."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        clock: Clock,
        name: str = "email",
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout_s: float = 10.0,
        retries: int = 2,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 30.0,
        seed: int = 0,
    ) -> None:
        """Build the sink.

        Raises:
            ConfigurationError: no recipients, or a username without a password.
        """
        if not recipients or not sender:
            raise ConfigurationError("alerts.smtp needs a sender and recipients")
        if username and not password:
            raise ConfigurationError("alerts.smtp.username is set without a password")
        self.name = name
        self._server = (host, port)
        self._sender = sender
        self._recipients = list(recipients)
        self._clock = clock
        self._starttls = starttls
        self._login: tuple[str, str] | None = None
        if username and password:
            self._login = (username, password)
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._timeout_s = timeout_s
        self._retry = (retries, backoff_base_s, backoff_cap_s)
        self._rng = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return f"SmtpSink(name={self.name!r}, server={self._server!r})"

    def deliver(self, alert: Alert) -> None:
        """Mail ``alert`` to every recipient.

        Raises:
            AlertDeliveryFailed: every attempt failed, or the server refused it.
        """
        message = self._message(alert)
        retries, base_s, cap_s = self._retry
        with_retries(
            lambda: self._send(message),
            what=f"smtp {self.name} ({self._server[0]}:{self._server[1]})",
            retries=retries,
            base_s=base_s,
            cap_s=cap_s,
            rng=self._rng,
            clock=self._clock,
        )

    def _message(self, alert: Alert) -> EmailMessage:
        now = self._clock.now()
        payload = alert_payload(alert, now)
        repeated = f" (x{alert.count})" if alert.count > 1 else ""
        subject = f"[tradecore {alert.severity.value.upper()}] {alert.code}{repeated}: "
        message = EmailMessage()
        message["Subject"] = (subject + alert.message)[:_SUBJECT_MAX]
        message["From"] = self._sender
        message["To"] = ", ".join(self._recipients)
        message["Date"] = format_datetime(now)
        message.set_content(
            f"{alert.message}\n\n{json.dumps(payload, indent=2, sort_keys=True)}\n"
        )
        return message

    def _send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(*self._server, timeout=self._timeout_s) as smtp:
                smtp.ehlo()
                if self._starttls:
                    smtp.starttls(context=self._ssl_context)
                    smtp.ehlo()
                if self._login:
                    smtp.login(*self._login)
                smtp.send_message(message)
        except (
            smtplib.SMTPAuthenticationError,
            smtplib.SMTPRecipientsRefused,
            ssl.SSLCertVerificationError,
        ) as e:
            raise Permanent(_smtp_reason(e)) from None
        except smtplib.SMTPResponseException as e:
            if 400 <= e.smtp_code < 500:
                raise Retryable(_smtp_reason(e)) from None
            raise Permanent(_smtp_reason(e)) from None
        except (smtplib.SMTPException, ssl.SSLError) as e:
            raise Retryable(_smtp_reason(e)) from None


def _smtp_reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}: {error.smtp_error!r}"
    return f"{type(error).__name__}: {error}"
