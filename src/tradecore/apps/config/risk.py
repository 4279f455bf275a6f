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
from tradecore.domain.risk.limits import RiskLimits, RiskLimitSet
from tradecore.domain.risk.pre_trade import PreTradeChecker, TradingHours


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


@attrs.frozen(kw_only=True)
class RiskSettings:
    """The whole ``[risk]`` section."""

    limits: RiskLimits = attrs.field(factory=RiskLimits)
    strategies: Mapping[str, RiskLimits] = attrs.field(factory=dict)
    breakers: BreakerSettings = attrs.field(factory=BreakerSettings)

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
        return RiskSettings(
            limits=converter.structure(table, RiskLimits),
            strategies=part("strategies", strategies, dict[str, RiskLimits]),
            breakers=part("breakers", breakers, BreakerSettings),
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
