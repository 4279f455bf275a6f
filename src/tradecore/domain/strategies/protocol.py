"""The strategy interface: bars in, target positions out.

A strategy sees one bar at a time, in time order, and keeps its own point-in-time
state (incremental indicators). It never sees an order, a broker or a clock: it says
what position it wants, and the engine decides whether and how to trade toward it.
That is what lets the same strategy object run in replay and live.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import finite, unit_interval
from tradecore.domain.orders.money import quantize_price
from tradecore.domain.orders.spec import Bracket, Side


def _optional_bps(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is None:
        return
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 < value < 1e4
    ):
        raise InvalidInput(
            attribute.name, value, "must be a number of bps in (0, 10000)"
        )


@attrs.frozen(kw_only=True, slots=True)
class Protection:
    """Stop-loss and/or take-profit for a position a target opens, in basis points
    from the decision price. The engine sends them as a bracket order, so the
    protection rests at the broker and outlives our process."""

    #: The stop-loss leg's stop price, this many bps against the entry.
    stop_loss_bps: float | None = attrs.field(default=None, validator=_optional_bps)
    #: The take-profit leg's limit price, this many bps in the entry's favour.
    take_profit_bps: float | None = attrs.field(default=None, validator=_optional_bps)

    def __attrs_post_init__(self) -> None:
        if self.stop_loss_bps is None and self.take_profit_bps is None:
            raise InvalidInput(
                "protection", None, "needs stop_loss_bps or take_profit_bps"
            )

    def bracket(self, side: Side, price: Decimal) -> Bracket:
        """The bracket for an entry of ``side`` at ``price`` (prices on the tick)."""
        away = Decimal(1) if side is Side.BUY else Decimal(-1)

        def at(bps: float | None, direction: Decimal) -> Decimal | None:
            if bps is None:
                return None
            return quantize_price(price * (1 + direction * Decimal(str(bps)) / 10_000))

        return Bracket(
            take_profit_limit=at(self.take_profit_bps, away),
            stop_loss_stop=at(self.stop_loss_bps, -away),
        )


def protective_bracket(
    target: Target, side: Side, price: Decimal, position: Decimal
) -> Bracket | None:
    """The bracket for an order toward ``target``: only an entry from flat is
    protected (a bracket covers its own quantity, not a position it adds to)."""
    if target.protection is None or position != 0:
        return None
    return target.protection.bracket(side, price)


def _optional(validator: Any) -> Any:
    """A keyword-only field, ``None`` by default, checked by ``validator`` when set
    (the net-of-cost inputs every target kind carries)."""
    return attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(validator)
    )


@attrs.frozen(slots=True)
class Target:
    """A desired position: ``qty`` signed shares in ``symbol`` (0 = flat)."""

    symbol: str = attrs.field(validator=v.symbol)
    qty: Decimal = attrs.field(validator=v.decimal)
    #: What about the signal made this target (hashed into the decision key).
    signal: str = attrs.field(default="", validator=v.instance_of(str))
    horizon: str = "1bar"
    #: Net-of-cost inputs (all optional): the edge the signal expects (bps of
    #: notional; the cost gate compares it with the expected cost), the model's win
    #: probability and the signal strength in [0, 1] (Bayesian Kelly sizing).
    expected_edge_bps: float | None = _optional(finite)
    probability: float | None = _optional(unit_interval)
    strength: float | None = _optional(unit_interval)
    #: Broker-side stop-loss/take-profit for the position this target opens.
    protection: Protection | None = attrs.field(default=None, kw_only=True)


@attrs.frozen(slots=True)
class WeightTarget:
    """A desired position as a signed fraction of equity: ``weight`` 0.1 holds shares
    worth 10% of the equity marked at the last close; -0.1 is short as much.

    Resolved to whole shares (toward zero) at the last close when it is decided:
    ``trunc(weight * equity / close)``. Other fields as :class:`Target`.
    """

    symbol: str = attrs.field(validator=v.symbol)
    weight: float = attrs.field(validator=finite)
    signal: str = attrs.field(default="", validator=v.instance_of(str))
    horizon: str = "1bar"
    expected_edge_bps: float | None = _optional(finite)
    probability: float | None = _optional(unit_interval)
    strength: float | None = _optional(unit_interval)
    protection: Protection | None = attrs.field(default=None, kw_only=True)


@attrs.frozen(slots=True)
class NotionalTarget:
    """A desired position as a signed dollar amount: ``notional`` 5000 holds $5,000
    of the symbol at the last close (-5000: short as much).

    Resolved to whole shares (toward zero) at the last close when it is decided:
    ``trunc(notional / close)``. Other fields as :class:`Target`.
    """

    symbol: str = attrs.field(validator=v.symbol)
    notional: float = attrs.field(validator=finite)
    signal: str = attrs.field(default="", validator=v.instance_of(str))
    horizon: str = "1bar"
    expected_edge_bps: float | None = _optional(finite)
    probability: float | None = _optional(unit_interval)
    strength: float | None = _optional(unit_interval)
    protection: Protection | None = attrs.field(default=None, kw_only=True)


#: Any of the three target kinds a strategy may return.
AnyTarget = Target | WeightTarget | NotionalTarget


class PortfolioView(Protocol):
    """What a strategy may know about its own book."""

    def position(self, symbol: str) -> Decimal:
        """Signed shares held, counting working orders at their target."""
        ...

    def equity(self) -> float:
        """Marked equity now (float: for sizing arithmetic, not accounting)."""
        ...


class AccountView(PortfolioView, Protocol):
    """The portfolio as a :class:`~tradecore.domain.strategies.market_view.MarketView`
    shows it: positions, equity and cash."""

    def cash(self) -> float:
        """Cash now (float: for sizing arithmetic, not accounting)."""
        ...

    def positions(self) -> dict[str, Decimal]:
        """Every non-zero position (signed shares, working orders counted)."""
        ...


class Strategy(Protocol):
    """A trading strategy."""

    strategy_id: str

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Sequence[AnyTarget] | AnyTarget | None:
        """Return new targets after this bar closed (usually none): a target of
        any kind, a list or tuple of them, or ``None``."""
        ...


NO_TARGETS: tuple[Target, ...] = ()
