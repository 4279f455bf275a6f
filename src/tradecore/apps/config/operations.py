"""Config sections for signing, alerts and observability (part of :class:`Settings`).

Secrets (the webhook's HMAC secret, the SMTP password) are best given through the
environment (``TRADECORE_WEBHOOK_SECRET``, ``TRADECORE_SMTP_PASSWORD``); wherever they
come from, every view of the config shows them as ``***`` and they are left out of
the config hash.
"""

from __future__ import annotations

from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

_SEVERITIES = ("info", "warning", "critical")
_MAX_PORT = 65535


def _port(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if not 1 <= value <= _MAX_PORT:
        raise InvalidInput(attribute.name, value, f"expected a port in 1-{_MAX_PORT}")


def _port_or_off(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value != 0:
        _port(instance, attribute, value)


@attrs.frozen(kw_only=True)
class SigningSettings:
    """Which key signs manifests, and which public keys are trusted to verify them."""

    #: Private key file for signing (``None``: the local development key).
    key_file: str | None = None
    #: Public keys (64 hex characters each) whose manifests may be loaded.
    trusted_public_keys: tuple[str, ...] = ()
    #: Where the development key lives (``None``: the user data directory).
    dev_key_dir: str | None = None
    #: Accept manifests signed with a development key (never in live trading).
    allow_dev_key: bool = False


@attrs.frozen(kw_only=True)
class WebhookSettings:
    """One webhook receiver; the body is HMAC-signed with ``secret``."""

    url: str
    secret: str | None = attrs.field(default=None, repr=False)
    timeout_s: float = 5.0
    retries: int = 3


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """One mail server and who gets the alerts."""

    host: str
    port: int = attrs.field(default=587, validator=_port)
    starttls: bool = True
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout_s: float = 10.0
    retries: int = 2


@attrs.frozen(kw_only=True)
class RouteSettings:
    """Alerts of at least ``min_severity`` whose code matches ``codes`` go to ``sinks``."""

    sinks: tuple[str, ...]
    min_severity: str = attrs.field(
        default="info", validator=attrs.validators.in_(_SEVERITIES)
    )
    codes: tuple[str, ...] = ("*",)


def _default_routes() -> tuple[RouteSettings, ...]:
    return (RouteSettings(sinks=("log", "store")),)


@attrs.frozen(kw_only=True)
class AlertSettings:
    """Sinks, routing, de-duplication window, rate limit and kill-switch codes."""

    webhook: WebhookSettings | None = None
    smtp: SmtpSettings | None = None
    routes: tuple[RouteSettings, ...] = attrs.field(factory=_default_routes)
    window_s: float = 300.0
    max_per_window: int = 30
    #: Critical alert codes that trip the kill switch.
    kill_switch_codes: tuple[str, ...] = ()
    #: An intent open and unchanged this long is "stuck" (``intent.stuck``).
    stuck_intent_s: float = 300.0
    #: An order open and unchanged this long is cancelled by ``tradecore-live run``
    #: (audited, ``intent.stuck_canceled``); 0 (the default) only alerts.
    cancel_stuck_after_s: float = 0.0
    #: Mean slippage (bps vs arrival) of the last ``slippage_window`` fills that
    #: raises ``cost.slippage_spike``.
    slippage_spike_bps: float = 25.0
    slippage_window: int = 20


@attrs.frozen(kw_only=True)
class ObservabilitySettings:
    """Where ``/metrics`` and ``/health`` are served (loopback only; port 0: off)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    #: 0 (the default) serves nothing; Prometheus' usual choice is 9464.
    port: int = attrs.field(default=0, validator=_port_or_off)


@attrs.frozen(kw_only=True)
class ModelSettings:
    """The signed manifest ``tradecore-live run`` verifies before trading."""

    #: The manifest file (``run --manifest`` overrides it).
    manifest: str | None = None
    #: Also require the bars being traded to be the manifest's data set (a paper
    #: re-run of a replay); off for live data, which is new by nature.
    same_dataset: bool = False
    #: Refuse a manifest without a passed promotion stamp (``tradecore-replay
    #: promote``).
    require_promotion: bool = False
