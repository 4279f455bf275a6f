"""Webhook alert sink: a signed JSON POST over stdlib ``urllib``.

The body is the canonical JSON of :func:`~tradecore.ports.alerts.alert_payload`; the
header ``X-Tradecore-Signature: sha256=<hex>`` is HMAC-SHA256 of the exact body
bytes under the shared secret, so the receiver can check the sender and that nothing
changed in transit (the body's ``sent_at`` lets it refuse stale replays). Timeouts,
5xx and 429 answers are retried a bounded number of times with seeded-jitter
backoff; other 4xx answers are not. Neither the secret nor the URL's path (which
often embeds a token) appears in errors or ``repr``.
"""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import numpy as np

from tradecore.adapters.alerts._retry import Permanent, Retryable, with_retries
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.hashing import canonical_bytes
from tradecore.ports.alerts import Alert, AlertSink, alert_payload
from tradecore.ports.clock import Clock

SIGNATURE_HEADER = "X-Tradecore-Signature"


def sign_body(secret: str, body: bytes) -> str:
    """Return the signature header value for ``body``: ``sha256=<hex HMAC>``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSink(AlertSink):
    """POSTs each alert as signed JSON to one URL."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        clock: Clock,
        name: str = "webhook",
        timeout_s: float = 5.0,
        retries: int = 3,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 10.0,
        seed: int = 0,
    ) -> None:
        """Build the sink.

        Raises:
            ConfigurationError: the URL is not http(s), or the secret is empty.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError("alerts.webhook.url must be an http(s) URL")
        if not secret:
            raise ConfigurationError("alerts.webhook.secret must be set")
        self.name = name
        self._url = url
        self._where = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        self._secret = secret
        self._clock = clock
        self._timeout_s = timeout_s
        self._retries = retries
        self._backoff = (backoff_base_s, backoff_cap_s)
        self._rng = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return f"WebhookSink(name={self.name!r}, to={self._where!r})"

    def deliver(self, alert: Alert) -> None:
        """POST ``alert``; see the module docstring.

        Raises:
            AlertDeliveryFailed: every attempt failed, or the receiver refused it.
        """
        body = canonical_bytes(alert_payload(alert, self._clock.now()))
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            self._url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "tradecore-alerts",
                SIGNATURE_HEADER: sign_body(self._secret, body),
            },
        )
        with_retries(
            lambda: self._post(request),
            what=f"webhook {self.name} ({self._where})",
            retries=self._retries,
            base_s=self._backoff[0],
            cap_s=self._backoff[1],
            rng=self._rng,
            clock=self._clock,
        )

    def _post(self, request: urllib.request.Request) -> None:
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as answer:  # noqa: S310 - http(s) only, checked in __init__  # nosec B310
                answer.read()
        except urllib.error.HTTPError as e:
            e.close()
            if e.code >= 500 or e.code == 429:
                raise Retryable(f"HTTP {e.code}") from None
            raise Permanent(f"HTTP {e.code}: the receiver refused the alert") from None
        except urllib.error.URLError as e:
            raise Retryable(str(e.reason)) from None
