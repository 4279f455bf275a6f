"""The typed configuration: TOML file, ``TRADECORE_*`` environment, command line.

Every key may come from any of the three sources. A command-line option overrides
the config file, and says so in one log line naming the key (the option is this
run's explicit choice). Any other key given by two sources with *different* values
is a :class:`ConfigurationError` naming both (an operator who set
``TRADECORE_DATABASE_URL`` and ``--database-url`` differently meant one of them,
and guessing which would be the silent degradation docs/architecture.md forbids).
Unknown keys in the file are errors too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from tradecore.adapters.sqlstore.engine import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_STATEMENT_TIMEOUT_S,
)
from tradecore.apps.config.books import BooksSettings
from tradecore.apps.config.console import ConsoleSettings
from tradecore.apps.config.execution import ExecutionSettings
from tradecore.apps.config.operations import (
    AlertSettings,
    ModelSettings,
    ObservabilitySettings,
    SigningSettings,
)
from tradecore.apps.config.promotion import PromotionSettings
from tradecore.apps.config.regime import RegimeSettings
from tradecore.apps.config.risk import RiskSettings, describe_error, register_hooks
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.hashing import canonical_bytes, sha256_hex
from tradecore.domain.market.feeds import ADJUSTMENTS, FEEDS
from tradecore.domain.redaction import is_secret_key, redact

DEFAULT_DATABASE_URL = "sqlite:///tradecore.db"

_log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class StoreSettings:
    """Where the database of record is and how hard commits hit the disk."""

    #: SQLAlchemy URL of the database of record: ``sqlite:///PATH`` or
    #: ``postgresql+psycopg://USER@HOST:PORT/DB`` (also ``TRADECORE_DATABASE_URL``).
    url: str = DEFAULT_DATABASE_URL
    #: SQLite commit durability: ``full`` (live) or ``normal`` (replays).
    durability: str = attrs.field(
        default="full", validator=attrs.validators.in_(("full", "normal"))
    )
    #: PostgreSQL: how long a statement waits for a lock held elsewhere before it
    #: fails as "store unavailable" (alert; exit 4 if it persists); 0: forever.
    lock_timeout_s: float = attrs.field(
        default=DEFAULT_LOCK_TIMEOUT_S, validator=attrs.validators.ge(0)
    )
    #: PostgreSQL: the longest any one statement may run; 0: unbounded.
    statement_timeout_s: float = attrs.field(
        default=DEFAULT_STATEMENT_TIMEOUT_S, validator=attrs.validators.ge(0)
    )


#: Broker adapters ``[broker] kind`` may name (see ``apps/wiring/broker_factory.py``).
BROKER_KINDS = ("none", "simulated", "alpaca")


@attrs.frozen(kw_only=True)
class BrokerSettings:
    """Which broker the operator commands (kill, status) talk to."""

    #: ``none`` (``run`` then needs ``--dry-run``), ``simulated`` (the in-process
    #: venue, opened with the store's books) or ``alpaca`` (keys from
    #: ``APCA_API_KEY_ID`` / ``APCA_API_SECRET_KEY`` or the secrets file).
    kind: str = attrs.field(
        default="none", validator=attrs.validators.in_(BROKER_KINDS)
    )
    #: Alpaca only: trade the real-money account (also needs ``run --live``).
    live: bool = False
    #: Alpaca only: REST origin override (e.g. the emulator's loopback URL).
    base_url: str | None = None
    #: Alpaca only: trade-updates WebSocket URL override; set it together with
    #: ``base_url`` (both or neither).
    stream_url: str | None = None


#: Alpaca data feeds ``[data] feed`` may name (recorded as the data's provenance).
DATA_FEEDS = FEEDS
#: How ``[data] mode`` reads Alpaca's bars.
DATA_MODES = ("poll", "stream")


#: ``[data] adjustment`` and ``[data] recent_sip`` values.
DATA_ADJUSTMENTS = ADJUSTMENTS
RECENT_SIP_MODES = ("refuse", "delayed")


@attrs.frozen(kw_only=True)
class DataSettings:
    """Where ``tradecore-live run --feed alpaca`` reads bars (Alpaca's data API)."""

    #: Alpaca's data feed: ``iex`` (free plan), ``sip`` (all US exchanges; needs
    #: the paid plan for recent bars) or ``delayed_sip`` (SIP 15 minutes late).
    feed: str = attrs.field(default="iex", validator=attrs.validators.in_(DATA_FEEDS))
    #: Data API origin override; defaults to ``[broker] base_url`` (the emulator
    #: serves both), else Alpaca's data host.
    base_url: str | None = None
    #: ``poll`` the REST data API once per bar, or ``stream`` bars over the
    #: market-data WebSocket (gaps backfilled over REST); ``--feed alpaca-stream``
    #: also selects the stream.
    mode: str = attrs.field(default="poll", validator=attrs.validators.in_(DATA_MODES))
    #: Market-data stream URL override (``.../v2/iex``); defaults to the data origin's
    #: host (the emulator) or Alpaca's stream host, with the feed as the path.
    stream_url: str | None = None
    #: Corporate-action adjustment of the bars: ``raw``, ``split``, ``dividend``
    #: or ``all`` (Alpaca's ``adjustment``).
    adjustment: str = attrs.field(
        default="raw", validator=attrs.validators.in_(DATA_ADJUSTMENTS)
    )
    #: Without Alpaca's SIP plan, recent ``sip`` bars are refused: ``refuse``
    #: (an error naming it) or ``delayed`` (serve bars up to 15 minutes old).
    recent_sip: str = attrs.field(
        default="refuse", validator=attrs.validators.in_(RECENT_SIP_MODES)
    )
    #: Record every bar the live run receives into this lake folder
    #: (``tradecore-live run --record-lake``); replay it with ``tradecore-replay run
    #: --lake DIR --recorded SESSION``.
    record_lake: str | None = None


#: Calendars ``[market] calendar`` may name: an exchange-calendar code, or 24/7.
MARKET_CALENDARS = ("XNYS", "24/7")


@attrs.frozen(kw_only=True)
class MarketSettings:
    """Which market's sessions every rule uses: venue, limits, loop, statistics."""

    #: The exchange calendar (``XNYS`` for US equities: DST, holidays, early
    #: closes); ``24/7`` only for markets that never close.
    calendar: str = attrs.field(
        default="XNYS", validator=attrs.validators.in_(MARKET_CALENDARS)
    )
    #: Also run live cycles in extended hours (04:00-20:00 New York); otherwise
    #: the live loop sleeps outside the regular session.
    extended_hours: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )


def _non_negative(
    instance: object, attribute: attrs.Attribute[float], value: float
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{attribute.name} must be a number >= 0, got {value!r}")


@attrs.frozen(kw_only=True)
class ReconcileSettings:
    """How often ``tradecore-live run`` reconciles with the broker while trading."""

    #: Seconds between passes (0: only at start and after a stream reconnect).
    interval_s: float = attrs.field(default=60.0, validator=_non_negative)


@attrs.frozen(kw_only=True)
class Settings:
    """The whole effective configuration of an app."""

    store: StoreSettings = attrs.field(factory=StoreSettings)
    signing: SigningSettings = attrs.field(factory=SigningSettings)
    alerts: AlertSettings = attrs.field(factory=AlertSettings)
    observability: ObservabilitySettings = attrs.field(factory=ObservabilitySettings)
    risk: RiskSettings = attrs.field(factory=RiskSettings)
    broker: BrokerSettings = attrs.field(factory=BrokerSettings)
    model: ModelSettings = attrs.field(factory=ModelSettings)
    #: Net-of-cost decisions (off by default).
    execution: ExecutionSettings = attrs.field(factory=ExecutionSettings)
    data: DataSettings = attrs.field(factory=DataSettings)
    market: MarketSettings = attrs.field(factory=MarketSettings)
    reconcile: ReconcileSettings = attrs.field(factory=ReconcileSettings)
    #: The promotion gate's thresholds (``tradecore-replay promote``).
    promotion: PromotionSettings = attrs.field(factory=PromotionSettings)
    #: Market regimes fitted on past bars only, and what they change (off by default).
    regime: RegimeSettings = attrs.field(factory=RegimeSettings)
    #: The operator console (``tradecore-live console``).
    console: ConsoleSettings = attrs.field(factory=ConsoleSettings)
    #: Tax lots (``tradecore-live books``).
    books: BooksSettings = attrs.field(factory=BooksSettings)


#: Environment variable -> dotted settings key.
ENV_KEYS: Mapping[str, str] = {
    "TRADECORE_DATABASE_URL": "store.url",
    "TRADECORE_STORE_DURABILITY": "store.durability",
    "TRADECORE_SIGNING_KEY_FILE": "signing.key_file",
    "TRADECORE_DEV_KEY_DIR": "signing.dev_key_dir",
    "TRADECORE_WEBHOOK_SECRET": "alerts.webhook.secret",
    "TRADECORE_SMTP_PASSWORD": "alerts.smtp.password",  # names, not secrets  # nosec B105
    "TRADECORE_BROKER": "broker.kind",
    "TRADECORE_MANIFEST": "model.manifest",
    "TRADECORE_METRICS_PORT": "observability.port",
}

_converter = cattrs.Converter(forbid_extra_keys=True)
register_hooks(_converter)
#: The ``[risk]`` section a configuration without one gets.
_DEFAULT_RISK = RiskSettings()

Source = tuple[str, Any]  # (where it came from, value)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _read_file(path: Path) -> dict[str, Any]:
    import tomllib  # only a run given a config file parses TOML (start-up)

    try:
        with path.open("rb") as f:
            return _flatten(tomllib.load(f))
    except OSError as e:
        raise ConfigurationError(f"config file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"config file {path} is not valid TOML: {e}") from None
    except UnicodeDecodeError as e:
        reason = f"byte {e.object[e.start : e.end].hex()} at offset {e.start}"
        raise ConfigurationError(
            f"config file {path} is not UTF-8 text: {reason}"
        ) from None
    except RecursionError:
        raise ConfigurationError(
            f"config file {path} is nested too deeply to be a tradecore configuration"
        ) from None


def _same(a: object, b: object) -> bool:
    """Whether two sources give one value: the environment's "9000" is the file's 9000."""
    if a == b:
        return True
    for text, number in ((a, b), (b, a)):
        if (
            isinstance(text, str)
            and isinstance(number, int | float)
            and not isinstance(number, bool)
        ):
            try:
                return Decimal(text.strip()) == Decimal(repr(number))
            except ArithmeticError:
                return False
    return False


def _merge(sources: list[tuple[str, dict[str, Any]]]) -> dict[str, Source]:
    merged: dict[str, Source] = {}
    for source, values in sources:
        for key, value in values.items():
            if key in merged and not _same(merged[key][1], value):
                raise ConfigurationError(
                    f"{key} is set twice with different values: "
                    f"{merged[key][0]} and {source}; remove one"
                )
            merged.setdefault(key, (source, value))
    return merged


def _nest(flat: Mapping[str, Source]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, (_, value) in flat.items():
        *parents, leaf = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested


def _structure(flat: Mapping[str, Source]) -> Settings:
    try:
        return _converter.structure(_nest(flat), Settings)
    except (ClassValidationError, ForbiddenExtraKeysError) as e:
        problems = "; ".join(
            _located(line)
            for line in cattrs.transform_error(
                e, path="config", format_exception=describe_error
            )
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"invalid configuration: {e}") from None


def _located(problem: str) -> str:
    """``"= 'AAPL': expected a list @ config.risk.x"`` -> ``"risk.x = 'AAPL': ..."``."""
    message, at, path = problem.rpartition(" @ ")
    if not at:
        return problem
    key = path.removeprefix("config.") if path != "config" else "(top level)"
    return f"{key} {message}" if message.startswith("= ") else f"{key}: {message}"


def load_settings(
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    cli_overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Load the settings from a TOML file, the environment and CLI overrides.

    Args:
        config_path: the TOML file, or ``None`` for none.
        env: the environment (only the variables in :data:`ENV_KEYS` are read).
        cli_overrides: dotted key -> value given on the command line (``None``
            values mean "not given").

    Raises:
        ConfigurationError: unreadable file, unknown key, bad value, or one key set
            by two sources with different values.
    """
    sources: list[tuple[str, dict[str, Any]]] = []
    given = {k: v for k, v in (cli_overrides or {}).items() if v is not None}
    if config_path is not None:
        from_file = _read_file(config_path)
        _override(from_file, given, config_path)
        sources.append((f"config file {config_path}", from_file))
    for var, key in ENV_KEYS.items():
        if env is not None and var in env:
            sources.append((f"environment variable {var}", {key: env[var]}))
    for key, value in given.items():
        sources.append((f"command-line option for {key}", {key: value}))
    return _structure(_merge(sources))


def _override(from_file: dict[str, Any], given: Mapping[str, Any], path: Path) -> None:
    """Drop the file's keys a command-line option sets differently, logging each.

    The option is what the operator typed for this run, so it wins over the file
    (the convention of git, pip and most CLIs); the line names the key and never a
    value, which may be a secret or a URL holding one. An environment variable and
    the file still may not disagree (see the module docstring).
    """
    for key, value in given.items():
        if key in from_file and not _same(from_file[key], value):
            del from_file[key]
            _log.info(
                "%s: the command-line option overrides config file %s",
                key,
                path,
                extra={"override": key},
            )


def redacted(settings: Settings) -> dict[str, Any]:
    """Return the settings as plain data with every secret shown as ``***``."""
    view: dict[str, Any] = redact(_converter.unstructure(settings))  # type: ignore[assignment]
    return view


def config_hash(settings: Settings) -> str:
    """Return the config snapshot hash: sha256 of the canonical redacted view.

    Secrets are left out on purpose: a hash stored with every decision record must
    not let anyone test guesses of a password against it.
    """
    return sha256_hex(redacted(settings))


def risk_view(risk: RiskSettings) -> dict[str, Any]:
    """The ``[risk]`` section as JSON data (what a replay's config records).

    The section's defaults (a replay without a ``[risk]`` table) are encoded from
    their attrs values directly: cattrs building its unstructuring code for the
    section's 15 classes was about 1.5% of a short replay's instructions. For the
    defaults both spellings are the same data (a test holds them equal); any
    other section goes through cattrs, as before.
    """
    plain = risk if risk == _DEFAULT_RISK else _converter.unstructure(risk)
    view: dict[str, Any] = json.loads(canonical_bytes(plain))
    return view


def secret_values(settings: Settings) -> list[str]:
    """Return every secret value that is set (for the log redaction filter)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if is_secret_key(str(key)) and isinstance(value, str) and value:
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(_converter.unstructure(settings))
    return found
