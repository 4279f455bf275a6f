"""The pre-trade cost model: half-spread, temporary and permanent impact, fees.

Why: a decision should trade only when its expected edge clears its expected cost, so
every order is priced before it is sent, in basis points of its notional:

* **half-spread**: ``spread_paid · spread/2``; a marketable order pays all of it, a
  resting limit order none (its risk is not filling, measured after the fact by TCA);
* **temporary impact**: ``η·σ·(participation)^β`` (Almgren et al. 2005), where
  participation is the order over the volume expected during its horizon;
* **permanent impact**: the price moves ``γ·σ·(X/ADV)`` while we trade; on average we
  pay half of that move;
* **fees**: :class:`tradecore.domain.execution.fees.FeeModel`, exact to the cent.

σ is the daily volatility of returns; η, β, γ come per symbol from
:class:`tradecore.domain.execution.cost_params.CostModelParams`, the version calibration updates.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.cost_params import CostModelParams
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.float_checks import non_negative, positive, unit_interval
from tradecore.domain.market.bars import Provenance
from tradecore.domain.orders.money import CENT, to_price
from tradecore.domain.orders.spec import Side

#: Minutes in a regular US equity session.
SESSION_MINUTES = 390.0
_BPS = 1e4
_DECIMAL_BPS = Decimal(10_000)


@attrs.frozen(kw_only=True, slots=True)
class MarketContext:
    """The market around one symbol at decision time, point-in-time.

    ``liquidity_ratio`` is recent volume over its usual level (1.0 = a normal day), so
    the volume expected in the next ``m`` minutes is ``adv·liquidity_ratio·m/390``.
    """

    symbol: str = attrs.field(validator=v.symbol)
    price: float = attrs.field(validator=positive)
    spread_bps: float = attrs.field(validator=non_negative)
    volatility: float = attrs.field(validator=positive)
    adv: float = attrs.field(validator=positive)
    liquidity_ratio: float = attrs.field(default=1.0, validator=positive)
    provenance: Provenance = attrs.field(
        default=Provenance.SIP, validator=v.instance_of(Provenance)
    )

    def volume_per_minute(self) -> float:
        """Return the shares expected to trade per minute right now."""
        return self.adv * self.liquidity_ratio / SESSION_MINUTES

    def volume_over(self, minutes: float) -> float:
        """Return the shares expected to trade in the next ``minutes``."""
        return self.volume_per_minute() * minutes


@attrs.frozen(kw_only=True, slots=True)
class PlannedOrder:
    """An order as the cost model sees it: size, how long it takes, how it crosses."""

    symbol: str = attrs.field(validator=v.symbol)
    side: Side = attrs.field(validator=v.instance_of(Side))
    qty: Decimal = attrs.field(validator=v.positive_decimal)
    #: Minutes over which the order is worked (1 = about one bar).
    horizon_minutes: float = attrs.field(default=1.0, validator=positive)
    #: Share of the half-spread paid: 1 marketable, 0 resting, in between for slices.
    spread_paid: float = attrs.field(default=1.0, validator=unit_interval)


@attrs.frozen(kw_only=True, slots=True)
class CostEstimate:
    """What an order is expected to cost, by component, in bps and in dollars."""

    half_spread_bps: float
    temporary_impact_bps: float
    permanent_impact_bps: float
    fees_bps: float
    total_bps: float
    participation: float
    notional: Decimal
    fees: Decimal
    total_cost: Decimal

    def to_dict(self) -> dict[str, object]:
        """Return the estimate as JSON-able primitives for a decision record."""
        return {
            "half_spread_bps": self.half_spread_bps,
            "temporary_impact_bps": self.temporary_impact_bps,
            "permanent_impact_bps": self.permanent_impact_bps,
            "fees_bps": self.fees_bps,
            "total_bps": self.total_bps,
            "participation": self.participation,
            "notional": str(self.notional),
            "fees": str(self.fees),
            "total_cost": str(self.total_cost),
        }


@attrs.frozen(kw_only=True, slots=True)
class CostModel:
    """Prices orders with one parameter version and one fee schedule."""

    params: CostModelParams = attrs.field(
        factory=CostModelParams, validator=v.instance_of(CostModelParams)
    )
    fees: FeeModel = attrs.field(factory=FeeModel, validator=v.instance_of(FeeModel))

    def estimate(self, order: PlannedOrder, market: MarketContext) -> CostEstimate:
        """Return the expected cost of ``order`` in ``market``.

        Raises:
            InvalidInput: the order and the market are for different symbols.
        """
        if order.symbol != market.symbol:
            raise InvalidInput(
                "market.symbol", market.symbol, f"order is {order.symbol}"
            )
        impact = self.params.for_symbol(order.symbol)
        qty = float(order.qty)
        participation = qty / market.volume_over(order.horizon_minutes)
        sigma = market.volatility
        temporary = impact.eta * sigma * participation**impact.beta * _BPS
        permanent = 0.5 * impact.gamma * sigma * qty / market.adv * _BPS
        half_spread = order.spread_paid * market.spread_bps / 2.0
        price = to_price(market.price, "market.price")
        notional = order.qty * price
        fees = self.fees.fee(order.side, order.qty, price)
        fees_bps = float(fees / notional) * _BPS if fees else 0.0
        market_bps = half_spread + temporary + permanent
        market_cost = Decimal(repr(market_bps)) * notional / _DECIMAL_BPS
        return CostEstimate(
            half_spread_bps=half_spread,
            temporary_impact_bps=temporary,
            permanent_impact_bps=permanent,
            fees_bps=fees_bps,
            total_bps=market_bps + fees_bps,
            participation=participation,
            notional=notional,
            fees=fees,
            total_cost=(market_cost + fees).quantize(CENT, ROUND_HALF_EVEN),
        )
