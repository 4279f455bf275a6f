"""The ``[risk]`` configuration: firm limits, per-strategy limits, circuit breakers.

In the TOML file::

    [risk]                          # global limits (tradecore.domain.risk.limits)
    max_order_notional = 100000
    max_position_shares = 5000
    price_collar_pct = 2.5          # or price_collar_bps = 250, not both
    restricted_symbols = ["GME"]
    market_hours = "regular"        # or "extended"
    allow_short = false

    [risk.strategies.momentum]      # can only tighten the global limits
    max_order_shares = 500

    [risk.breakers.daily_loss]      # one table per breaker; absent = off
    max_loss = 5000
    trip_state = "reducing"         # or "halted"
    quiet_period_s = 900
    auto_clear = false

    [risk.rejections]               # what a broker rejection leads to
    enabled = true                  # false: a rejection is recorded, nothing more
    max_retries = 3                 # retries per decision, all reasons together
    size_factor = 0.5               # buying power: retry once at this share
    lot_size = 1                    # lot size: round down to this
    backoff_base_s = 1.0            # rate limited: 1 s, 2 s, 4 s ... up to
    backoff_max_s = 60.0
    collar_bps = 100                # price band: move the limit this near

    [risk.degradation]              # component health -> what may still be sent
    enabled = true
    degraded_feed = "reduce_aggression"   # or "no_new_entries" (data-outage runbook)
    broker_degraded_rate = 0.2      # failed share of broker calls in the window
    broker_down_rate = 0.5
    broker_window_s = 300
    broker_min_calls = 5
    data_interval_s = 60            # default: the bar interval of the run
    data_degraded_intervals = 3     # a symbol's bar age, in intervals
    data_down_intervals = 10
    store_degraded_errors = 1       # failed units of work in a row
    store_down_errors = 3

    [risk.default_protection]       # every entry gets it unless its target has its own
    stop_loss_bps = 200
    take_profit_bps = 400

Money is exact: write amounts as integers, strings ("2500.50") or plain decimals
(a TOML float is read through its shortest decimal spelling, so ``2.5`` is exactly
2.5). Whole-number settings refuse fractions; unknown keys are errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import cattrs.v
from cattrs.errors import AttributeValidationNote, ClassValidationError

from tradecore.apps.config.strict import ConfigValueError, register_strict_hooks
from tradecore.domain import validation as v
from tradecore.domain.errors import TradecoreError
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.risk.breakers import (
    Breaker,
    BrokerErrorRateBreaker,
    CorrelationBreaker,
    CorrelationConfig,
    DailyLossBreaker,
    DailyLossConfig,
    DrawdownBreaker,
    DrawdownConfig,
    FailureRateConfig,
    LosingStreakBreaker,
    LosingStreakConfig,
    RejectRateBreaker,
    StalenessBreaker,
    StalenessConfig,
    VolatilitySpikeBreaker,
    VolatilitySpikeConfig,
)
from tradecore.domain.risk.degradation import DegradedFeedAction, HealthThresholds
from tradecore.domain.risk.limits import RiskLimits, RiskLimitSet
from tradecore.domain.risk.pdt import PdtLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker, TradingHours
from tradecore.domain.risk.rejection_policy import RejectionPolicy
from tradecore.domain.strategies.protocol import Protection


@attrs.frozen(kw_only=True)
class BreakerSettings:
    """The breakers to run; each is off unless its table is present."""

    daily_loss: DailyLossConfig | None = None
    drawdown: DrawdownConfig | None = None
    losing_streak: LosingStreakConfig | None = None
    reject_rate: FailureRateConfig | None = None
    broker_error_rate: FailureRateConfig | None = None
    data_staleness: StalenessConfig | None = None
    volatility_spike: VolatilitySpikeConfig | None = None
    correlation: CorrelationConfig | None = None


_DEFAULT_POLICY = RejectionPolicy()
_DEFAULT_HEALTH = HealthThresholds()


@attrs.frozen(kw_only=True)
class RejectionSettings:
    """``[risk.rejections]``: the capped retry policy per rejection reason.

    The knobs of :class:`~tradecore.domain.risk.rejection_policy.RejectionPolicy`;
    its calendar (a "market closed" reject waits for the open) is the market's.
    """

    enabled: bool = True
    max_retries: int = _DEFAULT_POLICY.max_retries
    size_factor: Decimal = _DEFAULT_POLICY.size_factor
    lot_size: Decimal = _DEFAULT_POLICY.lot_size
    backoff_base_s: float = _DEFAULT_POLICY.backoff_base_s
    backoff_max_s: float = _DEFAULT_POLICY.backoff_max_s
    collar_bps: Decimal = _DEFAULT_POLICY.collar_bps

    def __attrs_post_init__(self) -> None:
        """Refuse bad knobs when the file is read, not at the first rejection."""
        self.policy(None)

    def policy(self, calendar: MarketCalendar | None) -> RejectionPolicy:
        """The policy, waiting for the opens of ``calendar``."""
        return RejectionPolicy(
            max_retries=self.max_retries,
            size_factor=self.size_factor,
            lot_size=self.lot_size,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            collar_bps=self.collar_bps,
            calendar=calendar,
        )


@attrs.frozen(kw_only=True)
class DegradationSettings:
    """``[risk.degradation]``: component health -> FULL ... MONITOR_ONLY.

    The thresholds of :class:`~tradecore.domain.risk.degradation.HealthThresholds`;
    ``data_interval_s`` defaults to the run's bar interval. ``degraded_feed`` is
    what an IEX-only or delayed feed does (docs/runbooks/data-outage.md).
    """

    #: ``false``: no health monitor; broker, data and store failures never move
    #: trading down the ladder (FULL ... MONITOR_ONLY) nor raise its alerts.
    enabled: bool = True
    degraded_feed: DegradedFeedAction = DegradedFeedAction.REDUCE_AGGRESSION
    broker_degraded_rate: float = _DEFAULT_HEALTH.broker_degraded_rate
    broker_down_rate: float = _DEFAULT_HEALTH.broker_down_rate
    broker_window_s: float = _DEFAULT_HEALTH.broker_window_s
    broker_min_calls: int = _DEFAULT_HEALTH.broker_min_calls
    data_interval_s: float | None = None
    data_degraded_intervals: float = _DEFAULT_HEALTH.data_degraded_intervals
    data_down_intervals: float = _DEFAULT_HEALTH.data_down_intervals
    store_degraded_errors: int = _DEFAULT_HEALTH.store_degraded_errors
    store_down_errors: int = _DEFAULT_HEALTH.store_down_errors

    def __attrs_post_init__(self) -> None:
        """Refuse bad thresholds when the file is read."""
        self.thresholds(60.0)

    def thresholds(self, interval_s: float) -> HealthThresholds:
        """The thresholds; a symbol's data age is judged in ``interval_s`` units
        unless ``data_interval_s`` is set."""
        return HealthThresholds(
            broker_degraded_rate=self.broker_degraded_rate,
            broker_down_rate=self.broker_down_rate,
            broker_window_s=self.broker_window_s,
            broker_min_calls=self.broker_min_calls,
            data_interval_s=self.data_interval_s or max(interval_s, 1.0),
            data_degraded_intervals=self.data_degraded_intervals,
            data_down_intervals=self.data_down_intervals,
            store_degraded_errors=self.store_degraded_errors,
            store_down_errors=self.store_down_errors,
        )


@attrs.frozen(kw_only=True)
class RiskSettings:
    """The whole ``[risk]`` section."""

    limits: RiskLimits = attrs.field(factory=RiskLimits)
    strategies: Mapping[str, RiskLimits] = attrs.field(factory=dict)
    breakers: BreakerSettings = attrs.field(factory=BreakerSettings)
    rejections: RejectionSettings = attrs.field(factory=RejectionSettings)
    degradation: DegradationSettings = attrs.field(factory=DegradationSettings)
    #: Stop-loss / take-profit for every entry whose target has none (``None``: off).
    default_protection: Protection | None = None
    #: The pattern-day-trader monitor (FINRA Rule 4210).
    pdt: PdtLimits = attrs.field(factory=PdtLimits)

    def limit_set(self) -> RiskLimitSet:
        """The limits as the checker takes them."""
        return RiskLimitSet(global_limits=self.limits, strategies=dict(self.strategies))


def build_checker(risk: RiskSettings, hours: TradingHours) -> PreTradeChecker:
    """The pre-trade checker for ``risk``; market hours from the calendar's ``hours``."""
    return PreTradeChecker(risk.limit_set(), hours)


def build_breakers(
    risk: RiskSettings, session: MarketCalendar | None = None
) -> list[Breaker]:
    """The configured breakers, by name.

    ``session`` is the market's calendar: the daily-loss and drawdown breakers reset
    on its trading days (not UTC dates) and staleness ignores its closes.
    """
    b = risk.breakers
    built: list[Breaker | None] = [
        DailyLossBreaker(b.daily_loss, session) if b.daily_loss else None,
        DrawdownBreaker(b.drawdown, session) if b.drawdown else None,
        LosingStreakBreaker(b.losing_streak) if b.losing_streak else None,
        RejectRateBreaker(b.reject_rate) if b.reject_rate else None,
        BrokerErrorRateBreaker(b.broker_error_rate) if b.broker_error_rate else None,
        StalenessBreaker(b.data_staleness, session) if b.data_staleness else None,
        VolatilitySpikeBreaker(b.volatility_spike) if b.volatility_spike else None,
        CorrelationBreaker(b.correlation) if b.correlation else None,
    ]
    return [breaker for breaker in built if breaker is not None]


def register_hooks(converter: cattrs.Converter) -> None:
    """Teach ``converter`` strict types, exact decimals and the ``[risk]`` layout."""
    register_strict_hooks(converter)
    converter.register_structure_hook(Decimal, _decimal)

    def part(name: str, value: Any, kind: Any) -> Any:
        try:
            return converter.structure(value, kind)
        except Exception as error:  # re-raised with where it happened
            note = AttributeValidationNote(f"in [risk.{name}]", name, kind)
            error.__notes__ = [*getattr(error, "__notes__", []), note]
            raise ClassValidationError(
                "invalid [risk]", [error], RiskSettings
            ) from None

    def risk(value: Any, _: type) -> RiskSettings:
        if not isinstance(value, Mapping):
            raise ConfigValueError(value, "a table")
        table = dict(value)
        strategies = table.pop("strategies", {})
        breakers = table.pop("breakers", {})
        rejections = table.pop("rejections", {})
        degradation = table.pop("degradation", {})
        protection = table.pop("default_protection", None)
        pdt = table.pop("pdt", {})
        return RiskSettings(
            limits=converter.structure(table, RiskLimits),
            strategies=part("strategies", strategies, dict[str, RiskLimits]),
            breakers=part("breakers", breakers, BreakerSettings),
            rejections=part("rejections", rejections, RejectionSettings),
            degradation=part("degradation", degradation, DegradationSettings),
            default_protection=None
            if protection is None
            else part("default_protection", protection, Protection),
            pdt=part("pdt", pdt, PdtLimits),
        )

    converter.register_structure_hook(RiskSettings, risk)


def _decimal(value: Any, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigValueError(value, "a number or a decimal string")
    if isinstance(value, float):
        value = repr(value)  # TOML's 2.5 is the decimal 2.5, not its binary neighbour
    return v.to_decimal("value", value)


def describe_error(error: BaseException, kind: type | None) -> str:
    """Say what was wrong with a config value: our own errors name field and reason."""
    if isinstance(error, TradecoreError | ConfigValueError):
        return str(error)
    if isinstance(error, ValueError) and len(error.args) == _IN_ARGS:
        _, attribute, options, value = error.args  # attrs.validators.in_
        if isinstance(attribute, attrs.Attribute):
            known = ", ".join(repr(option) for option in options)
            return f"{attribute.name}={value!r}: expected one of {known}"
    return cattrs.v.format_exception(error, kind)


#: ``attrs.validators.in_`` raises ValueError(message, attribute, options, value).
_IN_ARGS = 4
