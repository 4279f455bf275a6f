"""What the allocator is given: strategy sleeves, point-in-time market data, limits.

Why its own value types rather than the strategies' ``Target``/``WeightTarget``: the
portfolio room sits below the strategies room (strategies may use the allocator, not
the other way round), so a caller that holds strategy targets turns them into a
:class:`Sleeve` (``{symbol: qty}`` as ``SHARES``, ``{symbol: weight}`` as
``WEIGHTS``). Every mapping is stored sorted by symbol so that equal inputs give
byte-equal outputs whatever order the caller built them in.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import positive, require_finite

FloatArray = npt.NDArray[np.float64]


class SignalKind(enum.Enum):
    """How a sleeve states what it wants."""

    SHARES = "shares"  #: signed share counts (turned into weights at the price)
    WEIGHTS = "weights"  #: signed fractions of equity
    SCORES = "scores"  #: signed scores (bigger = more wanted); only order/sign used


class Method(enum.Enum):
    """How each sleeve's symbols are weighted (see docs/portfolio-allocator.md)."""

    EQUAL_WEIGHT = "equal_weight"
    INVERSE_VOL = "inverse_vol"
    RISK_PARITY = "risk_parity"
    HRP = "hrp"
    RANK = "rank"
    MEAN_VARIANCE = "mean_variance"


class CovarianceKind(enum.Enum):
    """The point-in-time covariance estimator."""

    SAMPLE = "sample"
    EWMA = "ewma"
    LEDOIT_WOLF = "ledoit_wolf"


class BudgetBasis(enum.Enum):
    """What a strategy budget is a share of."""

    CAPITAL = "capital"  #: budget share of the gross exposure
    RISK = "risk"  #: budget share of standalone sleeve volatility


def _symbol(field: str, value: object) -> str:
    if not isinstance(value, str) or not v.SYMBOL_RE.match(value):
        raise InvalidInput(field, value, "expected an upper-case ticker symbol")
    return value


def _number(field: str, value: object) -> float:
    """A finite float; a finite Decimal (a share count) is accepted too."""
    if isinstance(value, Decimal) and value.is_finite():
        return float(value)
    return require_finite(field, value)


def _float_items(value: object) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput("signals", value, "expected a mapping symbol -> number")
    return tuple(
        sorted(
            (_symbol("symbol", k), _number(f"signal[{k}]", x)) for k, x in value.items()
        )
    )


def _decimal_items(value: object) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput("mapping", value, "expected a mapping symbol -> Decimal")
    items = []
    for key, number in value.items():
        if not isinstance(number, Decimal) or not number.is_finite():
            raise InvalidInput(f"[{key}]", number, "expected a finite Decimal")
        items.append((_symbol("symbol", key), number))
    return tuple(sorted(items))


def _str_items(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput("sectors", value, "expected a mapping symbol -> sector")
    items = []
    for key, sector in value.items():
        if not isinstance(sector, str) or not sector:
            raise InvalidInput(f"sectors[{key}]", sector, "expected a sector name")
        items.append((_symbol("symbol", key), sector))
    return tuple(sorted(items))


def _optional_fraction(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    number = require_finite(attribute.name, value)
    if not 0.0 < number <= 10.0:
        raise InvalidInput(attribute.name, value, "must be within (0, 10]")


def _optional_net(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        require_finite(attribute.name, value)


def _optional_correlation(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    number = require_finite(attribute.name, value)
    if not -1.0 < number < 1.0:
        raise InvalidInput(attribute.name, value, "must be within (-1, 1)")


def _positive_int(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(attribute.name, value, "expected a whole number >= 1")


@attrs.frozen(slots=True)
class Sleeve:
    """One strategy's wishes and its budget (a relative share; budgets need not sum
    to 1, they are normalised over the sleeves)."""

    strategy: str = attrs.field(validator=v.non_empty_str)
    budget: float = attrs.field(validator=positive)
    kind: SignalKind = attrs.field(validator=v.instance_of(SignalKind))
    signals: tuple[tuple[str, float], ...] = attrs.field(converter=_float_items)


def _returns(value: object) -> FloatArray:
    array = np.array(value, dtype=np.float64, copy=True)
    if array.ndim != 2:
        raise InvalidInput("returns", array.shape, "expected a 2-D array (T x N)")
    if np.isinf(array).any():
        raise InvalidInput("returns", "inf", "returns must be finite or NaN")
    array.setflags(write=False)
    return array


def _strategy_returns(value: object) -> tuple[tuple[str, FloatArray], ...]:
    if not isinstance(value, Mapping):
        raise InvalidInput("strategy_returns", value, "expected strategy -> array")
    items = []
    for name, series in value.items():
        array = np.array(series, dtype=np.float64, copy=True)
        if array.ndim != 1 or not np.isfinite(array).all():
            raise InvalidInput(
                f"strategy_returns[{name}]", array.shape, "expected finite 1-D returns"
            )
        array.setflags(write=False)
        items.append((str(name), array))
    return tuple(sorted(items, key=lambda item: item[0]))


@attrs.frozen(kw_only=True, slots=True)
class MarketInputs:
    """Point-in-time market state: ``returns`` holds only *past* returns, one row per
    bar (oldest first), one column per symbol of ``symbols``; NaN marks a bar a symbol
    did not trade. Prices are the last closes the weights are turned into shares at.
    """

    symbols: tuple[str, ...] = attrs.field(converter=tuple)
    returns: FloatArray = attrs.field(converter=_returns, eq=False)
    prices: tuple[tuple[str, Decimal], ...] = attrs.field(converter=_decimal_items)
    equity: Decimal = attrs.field(validator=v.positive_decimal)
    current: tuple[tuple[str, Decimal], ...] = attrs.field(
        factory=dict, converter=_decimal_items
    )
    sectors: tuple[tuple[str, str], ...] = attrs.field(
        factory=dict, converter=_str_items
    )
    #: Per-symbol expected returns (per bar) for the mean-variance method.
    expected_returns: tuple[tuple[str, float], ...] = attrs.field(
        factory=dict, converter=_float_items
    )
    #: Each strategy's past return stream (same length), for correlation caps.
    strategy_returns: tuple[tuple[str, FloatArray], ...] = attrs.field(
        factory=dict, converter=_strategy_returns, eq=False
    )

    def __attrs_post_init__(self) -> None:
        for symbol in self.symbols:
            _symbol("symbols", symbol)
        if len(set(self.symbols)) != len(self.symbols):
            raise InvalidInput("symbols", self.symbols, "duplicate symbols")
        if self.returns.shape[1] != len(self.symbols):
            raise InvalidInput(
                "returns", self.returns.shape, "needs one column per symbol"
            )
        for symbol, price in self.prices:
            if price <= 0:
                raise InvalidInput(f"prices[{symbol}]", price, "must be > 0")
        lengths = {len(series) for _, series in self.strategy_returns}
        if len(lengths) > 1:
            raise InvalidInput(
                "strategy_returns", sorted(lengths), "streams differ in length"
            )


@attrs.frozen(kw_only=True, slots=True)
class Constraints:
    """Limits on the book, all as fractions of equity (weights).

    ``gross_target`` is the gross the book is scaled to (and never exceeds);
    ``name_cap`` bounds each ``|w|``; ``sector_cap`` bounds each sector's gross
    (symbols without a sector are not sector-capped; the result warns about them);
    ``turnover_limit`` bounds ``sum |w_new - w_current|``; ``lot_size`` whole shares
    per lot; ``strategy_correlation_cap``: strategies whose return streams correlate
    above it share one budget.
    """

    gross_target: float = attrs.field(default=1.0, validator=_optional_fraction)
    net_min: float | None = attrs.field(default=None, validator=_optional_net)
    net_max: float | None = attrs.field(default=None, validator=_optional_net)
    name_cap: float | None = attrs.field(default=None, validator=_optional_fraction)
    sector_cap: float | None = attrs.field(default=None, validator=_optional_fraction)
    turnover_limit: float | None = attrs.field(
        default=None, validator=_optional_fraction
    )
    lot_size: int = attrs.field(default=1, validator=_positive_int)
    strategy_correlation_cap: float | None = attrs.field(
        default=None, validator=_optional_correlation
    )
    budget_basis: BudgetBasis = attrs.field(
        default=BudgetBasis.CAPITAL, validator=v.instance_of(BudgetBasis)
    )

    def __attrs_post_init__(self) -> None:
        low = -math.inf if self.net_min is None else self.net_min
        high = math.inf if self.net_max is None else self.net_max
        if low > high:
            raise InvalidInput("net_min", self.net_min, "must be <= net_max")
        # The allocator only removes exposure, so it can pull the net toward zero
        # but never away from it: a range excluding zero could be unreachable.
        if low > 0:
            raise InvalidInput("net_min", self.net_min, "must be <= 0")
        if high < 0:
            raise InvalidInput("net_max", self.net_max, "must be >= 0")


@attrs.frozen(kw_only=True, slots=True)
class EstimationConfig:
    """How vols and covariances are estimated from the past-return window."""

    window: int = attrs.field(default=252, validator=_positive_int)
    #: Fewer complete rows than this in the window -> equal-weight fallback.
    min_observations: int = attrs.field(default=60, validator=_positive_int)
    covariance: CovarianceKind = attrs.field(
        default=CovarianceKind.LEDOIT_WOLF, validator=v.instance_of(CovarianceKind)
    )
    #: Half-life in bars of the EWMA weights (``CovarianceKind.EWMA`` only).
    ewma_halflife: float = attrs.field(default=30.0, validator=positive)
    #: Mean-variance risk aversion lambda in ``mu'w - lambda/2 w'Cw``.
    risk_aversion: float = attrs.field(default=1.0, validator=positive)


@attrs.frozen(kw_only=True, slots=True)
class AllocationRequest:
    """Everything one allocation needs; :func:`allocate` turns it into a book."""

    sleeves: tuple[Sleeve, ...] = attrs.field(converter=tuple)
    market: MarketInputs
    method: Method = attrs.field(validator=v.instance_of(Method))
    constraints: Constraints = attrs.field(factory=Constraints)
    estimation: EstimationConfig = attrs.field(factory=EstimationConfig)

    def __attrs_post_init__(self) -> None:
        if not self.sleeves:
            raise InvalidInput("sleeves", (), "needs at least one strategy sleeve")
        names = [sleeve.strategy for sleeve in self.sleeves]
        if len(set(names)) != len(names):
            raise InvalidInput("sleeves", names, "duplicate strategy names")
        known = set(self.market.symbols)
        prices = {symbol for symbol, _ in self.market.prices}
        for symbol, _ in self.market.current:
            if symbol not in prices:
                raise InvalidInput("prices", symbol, "no price for a held symbol")
        for sleeve in self.sleeves:
            for symbol, _ in sleeve.signals:
                if symbol not in known:
                    raise InvalidInput(
                        "signals", symbol, "symbol not in the market inputs"
                    )
                if symbol not in prices:
                    raise InvalidInput("prices", symbol, "no price for this symbol")
