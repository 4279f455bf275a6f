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


def _non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: float
) -> None:
    if value < 0:
        raise InvalidInput(attribute.name, value, "must be >= 0")


def _optional_positive(
    instance: object, attribute: attrs.Attribute[Any], value: float | None
) -> None:
    if value is not None and value <= 0:
        raise InvalidInput(attribute.name, value, "must be > 0 (or unset)")


def _positive_int(
    instance: object, attribute: attrs.Attribute[Any], value: int
) -> None:
    if value < 1:
        raise InvalidInput(attribute.name, value, "must be >= 1")


def _unit_interval(
    instance: object, attribute: attrs.Attribute[Any], value: float
) -> None:
    if not 0 <= value <= 1:
        raise InvalidInput(attribute.name, value, "must be in [0, 1]")


@attrs.frozen(kw_only=True)
class SigningSettings:
    """Which key signs manifests, and which public keys are trusted to verify them."""

    #: Private key file for signing (``None``: the local development key).
    key_file: str | None = None
    #: Public keys whose manifests may be loaded: 64 hex characters each, or the
    #: path of a public key file (``keys generate`` writes one; ``~`` expands).
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
    """The signed manifest ``tradecore-live run`` verifies, and the model registry."""

    #: The manifest file (``run --manifest`` overrides it).
    manifest: str | None = None
    #: Also require the bars being traded to be the manifest's data set (a paper
    #: re-run of a replay); off for live data, which is new by nature.
    same_dataset: bool = False
    #: Refuse a manifest without a passed promotion stamp (``tradecore-replay
    #: promote``).
    require_promotion: bool = False

    # --- the model registry (tradecore-live model ...; docs/models-registry.md) ---
    #: The strategy id whose production model ``run`` trades (``run --model ID``
    #: overrides); unset: ``run`` trades ``--strategy`` as before.
    strategy_id: str | None = None
    #: Where ``model register`` copies model folders (under their model hash);
    #: unset: ``models/`` beside a SQLite store's file, else ``./tradecore-models``.
    registry_dir: str | None = None
    #: Check for a new production model while running (promotion, rollback).
    reload: bool = True
    #: Wall-clock seconds between those checks (0: every cycle).
    reload_interval_s: float = attrs.field(default=30.0, validator=_non_negative)
    #: Timestamps of bars kept to warm a reloaded model's features before it trades.
    warmup_bars: int = attrs.field(default=512, validator=_non_negative)
    #: ``model.stale`` when the model is older than this many days after its
    #: manifest's ``training_end`` (unset: age is not judged).
    max_age_days: float | None = attrs.field(default=None, validator=_optional_positive)
    #: ... or when the hit rate of its last ``hit_rate_window`` resolved
    #: predictions falls more than ``hit_rate_tolerance`` below the card's
    #: out-of-sample hit rate (see tradecore.domain.research.staleness).
    hit_rate_window: int = attrs.field(default=100, validator=_positive_int)
    hit_rate_tolerance: float = attrs.field(default=0.1, validator=_unit_interval)
