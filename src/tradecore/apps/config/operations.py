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

    #: The receiver's ``http://`` or ``https://`` URL; each alert is POSTed as JSON.
    url: str
    #: HMAC key of the body's signature header (give it as
    #: ``TRADECORE_WEBHOOK_SECRET``; shown as ``***``, never hashed or logged).
    secret: str | None = attrs.field(default=None, repr=False)
    #: Seconds one POST may take before it counts as a failed attempt.
    timeout_s: float = 5.0
    #: Further attempts after a network error, HTTP 5xx or 429 (seeded-jitter
    #: backoff between them); any other 4xx is final at once.
    retries: int = 3


@attrs.frozen(kw_only=True)
class SmtpSettings:
    """One mail server and who gets the alerts."""

    #: The SMTP server's host name or address.
    host: str
    #: Its port: 587 (submission, with STARTTLS) by default.
    port: int = attrs.field(default=587, validator=_port)
    #: Upgrade the connection with STARTTLS before logging in or sending.
    starttls: bool = True
    #: The ``From`` address of every alert mail.
    sender: str
    #: The ``To`` addresses (a list, even for one).
    recipients: tuple[str, ...]
    #: Log in as this user (needs ``password``; unset: send without logging in).
    username: str | None = None
    #: The login's password (give it as ``TRADECORE_SMTP_PASSWORD``; shown as
    #: ``***``, never hashed or logged).
    password: str | None = attrs.field(default=None, repr=False)
    #: Seconds one connection may wait on the server before the attempt fails.
    timeout_s: float = 10.0
    #: Further attempts after a network error or a transient SMTP answer
    #: (4xx; seeded-jitter backoff between them); a refused login or recipient, a
    #: certificate that does not verify or a 5xx answer is final.
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
    #: Which sinks hear which alerts: ``[[alerts.routes]]`` tables of ``sinks``
    #: (``log``, ``store``, ``webhook``, ``email``), ``min_severity`` (``info``,
    #: ``warning``, ``critical``) and ``codes`` (glob patterns such as ``risk.*``).
    routes: tuple[RouteSettings, ...] = attrs.field(factory=_default_routes)
    #: De-duplication window: repeats of an alert within it are counted and sent
    #: as one summary when it closes; the first is always sent at once.
    window_s: float = 300.0
    #: At most this many first deliveries per ``window_s``; further non-critical
    #: alerts are held back and reported by one ``alerts.rate_limited`` summary.
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
    #: How many of the latest fills that mean is taken over.
    slippage_window: int = 20


@attrs.frozen(kw_only=True)
class ObservabilitySettings:
    """Where ``/metrics`` and ``/health`` are served (loopback only; port 0: off)."""

    #: ``false`` serves nothing whatever the port.
    enabled: bool = True
    #: The address to listen on; only a loopback address is accepted.
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
    #: How far (a fraction, 0.1 = ten points) below the card's hit rate counts.
    hit_rate_tolerance: float = attrs.field(default=0.1, validator=_unit_interval)
