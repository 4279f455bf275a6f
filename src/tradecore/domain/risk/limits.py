"""The firm's pre-trade limits, globally and per strategy.

Modelled on the market-access controls of SEC Rule 15c3-5: the limits belong to the
firm, not to the strategy, so a strategy's own limits can only *tighten* the global
ones (:meth:`RiskLimitSet.for_strategy`), never loosen them. ``None`` disables a rule.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput

_BPS_PER_PERCENT = Decimal(100)


class MarketHours(enum.StrEnum):
    """When orders may be sent."""

    #: Only during the regular session.
    REGULAR = "regular"
    #: The regular session, plus the extended session for orders that explicitly
    #: ask for it (``OrderSpec.extended_hours``: day limit orders).
    EXTENDED = "extended"


def _symbols(values: Iterable[str]) -> tuple[str, ...]:
    """Sort and de-duplicate, so the limits hash the same in every process."""
    if isinstance(values, str):
        raise InvalidInput("restricted_symbols", values, "expected a list of symbols")
    return tuple(sorted(set(values)))


def _check_symbols(instance: object, attribute: Any, value: tuple[str, ...]) -> None:
    for symbol in value:
        if not isinstance(symbol, str) or not v.SYMBOL_RE.match(symbol):
            raise InvalidInput(attribute.name, symbol, "not a valid ticker symbol")


def _positive_int(instance: object, attribute: Any, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(attribute.name, value, "must be a whole number > 0")


_MONEY = v.optional_positive_decimal


@attrs.frozen(kw_only=True, slots=True)
class RiskLimits:
    """One set of limits; every number is inclusive (a value *at* the limit passes).

    Attributes:
        max_order_notional: largest ``qty * price`` of one order.
        max_order_shares: largest quantity of one order.
        max_position_shares: largest absolute position per symbol after the order
            (working orders count).
        max_position_notional: largest absolute position value per symbol after it.
        max_gross_exposure: largest sum of absolute position values after it.
        max_net_exposure: largest absolute sum of signed position values after it.
        price_collar_pct / price_collar_bps: the order's limit price (or, for a
            market order, the last price) must lie within this distance of the
            reference price; give at most one of the two.
        restricted_symbols: symbols no order may trade.
        max_orders_per_second / max_orders_per_minute: orders per symbol in any
            trailing 1 s / 60 s window, this one included.
        max_cancels_per_minute: cancel requests per symbol in any trailing 60 s.
        max_daily_loss: once the day's loss exceeds it, only reducing orders pass.
        max_drawdown: once equity is further than this below the day's high-water
            mark, only reducing orders pass.
        allow_short: whether a position may go below zero.
        market_hours: when orders may be sent; ``None`` does not check.
    """

    max_order_notional: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_order_shares: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_position_shares: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_position_notional: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_gross_exposure: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_net_exposure: Decimal | None = attrs.field(default=None, validator=_MONEY)
    price_collar_pct: Decimal | None = attrs.field(default=None, validator=_MONEY)
    price_collar_bps: Decimal | None = attrs.field(default=None, validator=_MONEY)
    restricted_symbols: tuple[str, ...] = attrs.field(
        default=(), converter=_symbols, validator=_check_symbols
    )
    max_orders_per_second: int | None = attrs.field(
        default=None, validator=_positive_int
    )
    max_orders_per_minute: int | None = attrs.field(
        default=None, validator=_positive_int
    )
    max_cancels_per_minute: int | None = attrs.field(
        default=None, validator=_positive_int
    )
    max_daily_loss: Decimal | None = attrs.field(default=None, validator=_MONEY)
    max_drawdown: Decimal | None = attrs.field(default=None, validator=_MONEY)
    allow_short: bool = attrs.field(default=True, validator=v.instance_of(bool))
    market_hours: MarketHours | None = attrs.field(
        default=None, validator=attrs.validators.optional(v.instance_of(MarketHours))
    )

    def __attrs_post_init__(self) -> None:
        if self.price_collar_pct is not None and self.price_collar_bps is not None:
            raise InvalidInput(
                "price_collar_pct/price_collar_bps",
                (self.price_collar_pct, self.price_collar_bps),
                "give the collar once, in percent or in basis points",
            )

    @property
    def collar_bps(self) -> Decimal | None:
        """The price collar in basis points, whichever way it was given."""
        if self.price_collar_pct is not None:
            return self.price_collar_pct * _BPS_PER_PERCENT
        return self.price_collar_bps

    def tightened_by(self, other: RiskLimits) -> RiskLimits:
        """Return the limits that satisfy both ``self`` and ``other``.

        Numbers take the smaller, restricted lists the union, shorting needs both to
        allow it, and regular-only hours win over extended ones.
        """
        numbers = {
            name: _tighter(getattr(self, name), getattr(other, name))
            for name in _NUMERIC_FIELDS
        }
        collar = _tighter(self.collar_bps, other.collar_bps)
        return RiskLimits(
            **numbers,
            price_collar_bps=collar,
            restricted_symbols=self.restricted_symbols + other.restricted_symbols,
            allow_short=self.allow_short and other.allow_short,
            market_hours=_stricter_hours(self.market_hours, other.market_hours),
        )


_NUMERIC_FIELDS = tuple(
    f.name
    for f in attrs.fields(RiskLimits)
    if f.name.startswith("max_")  # the collar is merged separately (pct vs bps)
)


def _tighter(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _stricter_hours(a: MarketHours | None, b: MarketHours | None) -> MarketHours | None:
    if MarketHours.REGULAR in (a, b):
        return MarketHours.REGULAR
    return a or b


@attrs.frozen(kw_only=True, slots=True)
class RiskLimitSet:
    """The global limits and each strategy's own (which can only tighten them)."""

    global_limits: RiskLimits = attrs.field(factory=RiskLimits)
    strategies: Mapping[str, RiskLimits] = attrs.field(factory=dict)

    def for_strategy(self, strategy_id: str) -> RiskLimits:
        """Return the limits in force for ``strategy_id``."""
        own = self.strategies.get(strategy_id)
        return (
            self.global_limits if own is None else self.global_limits.tightened_by(own)
        )
