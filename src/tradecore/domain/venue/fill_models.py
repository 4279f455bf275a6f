"""Fill models: how a simulated market prices, sizes and delays our executions.

Each effect is one frozen config with the parameters a cost-model calibration can fit:

- :class:`LatencyConfig`: submit→ack, ack→first fill and cancel→effect delays, each a
  floor plus a seeded exponential tail;
- :class:`SpreadConfig`: the quoted spread when a quote is known, else an estimate from
  the bar's range, never below a floor; buys pay half of it, sells give half up;
- :class:`ImpactConfig`: temporary impact ``k * sigma * participation**beta`` (a
  square-root law when ``beta=0.5``) as a fraction of price;
- :class:`LiquidityConfig`: the share of each bar's volume we may take;
- :class:`QueueConfig`: volume resting ahead of a passive limit order;
- :class:`AdverseSelectionConfig`: fills in the direction of the bar's move pay part
  of that move.

:meth:`FillModel.ideal` switches every effect off — market orders fill at the next
bar's open, limits when the bar reaches them, whole and free — which is the textbook
semantics other backtesters use, for parity checks; :meth:`FillModel.realistic` is the
default. The matching engine (:mod:`tradecore.domain.venue.matching`) applies the model.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar, Quote
from tradecore.domain.seeded import Draws, generator_of

# Parkinson's range estimator: sigma = ln(high/low) / (2 sqrt(ln 2)).
_PARKINSON = 1.0 / (2.0 * math.sqrt(math.log(2.0)))


def _non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise InvalidInput(attribute.name, value, "expected a number")
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(attribute.name, value, "must be finite and >= 0")


def _fraction(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _non_negative(instance, attribute, value)
    assert isinstance(value, float | int)
    if value > 1:
        raise InvalidInput(attribute.name, value, "must be within [0, 1]")


def _draw(floor_s: float, tail_s: float, rng: Draws) -> float:
    """``floor + Exponential(mean=tail)``; without a tail, no draw (and ``rng``,
    if a :class:`~tradecore.domain.seeded.SeededGenerator`, is never made)."""
    if tail_s > 0:
        return floor_s + float(generator_of(rng).exponential(tail_s))
    return floor_s


@attrs.frozen(kw_only=True, slots=True)
class LatencyConfig:
    """Delays in seconds, each ``floor + Exponential(mean=tail)``, seeded."""

    ack_floor_s: float = attrs.field(default=0.02, validator=_non_negative)
    ack_tail_s: float = attrs.field(default=0.03, validator=_non_negative)
    fill_floor_s: float = attrs.field(default=0.005, validator=_non_negative)
    fill_tail_s: float = attrs.field(default=0.02, validator=_non_negative)
    cancel_floor_s: float = attrs.field(default=0.02, validator=_non_negative)
    cancel_tail_s: float = attrs.field(default=0.03, validator=_non_negative)

    def ack(self, rng: Draws) -> float:
        """Draw the submit→ack delay."""
        return _draw(self.ack_floor_s, self.ack_tail_s, rng)

    def first_fill(self, rng: Draws) -> float:
        """Draw the ack→earliest-fill delay."""
        return _draw(self.fill_floor_s, self.fill_tail_s, rng)

    def cancel(self, rng: Draws) -> float:
        """Draw the cancel/replace request→effect delay (earlier fills count)."""
        return _draw(self.cancel_floor_s, self.cancel_tail_s, rng)

    @property
    def instant_submit(self) -> bool:
        """Whether :meth:`ack` and :meth:`first_fill` are both 0 with no draw.

        A submit then is acknowledged, and may fill, at the instant it is sent
        (the ideal model): the venue skips the four calls that would say so.
        """
        return (
            self.ack_floor_s == 0
            and self.ack_tail_s == 0
            and self.fill_floor_s == 0
            and self.fill_tail_s == 0
        )


@attrs.frozen(kw_only=True, slots=True)
class SpreadConfig:
    """Spread in bps: quoted when known, else ``range_fraction`` of the bar's range."""

    floor_bps: float = attrs.field(default=1.0, validator=_non_negative)
    range_fraction: float = attrs.field(default=0.1, validator=_non_negative)

    def spread_bps(self, bar: Bar, quote: Quote | None) -> float:
        """Return the full spread in bps of price, never below the floor."""
        quoted = None if quote is None else quote.spread_bps
        if quoted is None:
            mid = (bar.high + bar.low) / 2
            quoted = self.range_fraction * (bar.high - bar.low) / mid * 1e4
        return max(self.floor_bps, quoted)


@attrs.frozen(kw_only=True, slots=True)
class ImpactConfig:
    """Temporary impact ``k * sigma * participation**beta`` as a fraction of price.

    ``sigma`` is the bar's Parkinson volatility (floored at ``sigma_floor``) and
    participation is our quantity over the bar's volume.
    """

    k: float = attrs.field(default=0.5, validator=_non_negative)
    beta: float = attrs.field(default=0.5, validator=_non_negative)
    sigma_floor: float = attrs.field(default=1e-4, validator=_non_negative)

    def impact_fraction(self, bar: Bar, participation: float) -> float:
        """Return the price concession for taking ``participation`` of the bar."""
        if self.k == 0 or participation <= 0:
            return 0.0
        sigma = max(self.sigma_floor, _PARKINSON * math.log(bar.high / bar.low))
        return float(self.k * sigma * participation**self.beta)


@attrs.frozen(kw_only=True, slots=True)
class LiquidityConfig:
    """At most ``max_participation`` of a bar's volume is ours (``None``: unlimited)."""

    max_participation: float | None = attrs.field(default=0.1)

    def __attrs_post_init__(self) -> None:
        share = self.max_participation
        if share is not None and not (0 < share <= 1):
            raise InvalidInput("max_participation", share, "must be within (0, 1]")

    def cap(self, bar_volume: float, remaining_fraction: float) -> float:
        """Return how many shares we may take from the rest of a bar."""
        if self.max_participation is None:
            return math.inf
        return self.max_participation * bar_volume * remaining_fraction


@attrs.frozen(kw_only=True, slots=True)
class QueueConfig:
    """Volume ahead of a resting limit order, which must trade before it fills.

    When the order starts working, the volume ahead is the quote's size at our price if
    we join the best bid/ask, else ``ahead_fraction`` of the bar's volume. A bar that
    only *touches* the limit trades ``touch_fraction`` of its volume there (queue first,
    then us); a bar that trades *through* the limit clears the level. Disabled, a touch
    fills the order (the ideal model).
    """

    enabled: bool = True
    ahead_fraction: float = attrs.field(default=0.05, validator=_fraction)
    touch_fraction: float = attrs.field(default=0.1, validator=_fraction)


@attrs.frozen(kw_only=True, slots=True)
class AdverseSelectionConfig:
    """Aggressive fills along the bar's move pay ``coefficient`` of that move."""

    coefficient: float = attrs.field(default=0.1, validator=_non_negative)

    def penalty_fraction(self, bar: Bar, side_sign: int) -> float:
        """Return the extra price fraction paid by a fill in the bar's direction."""
        move = side_sign * (bar.close - bar.open) / bar.open
        return self.coefficient * move if move > 0 else 0.0


_NO_LATENCY = LatencyConfig(
    ack_floor_s=0,
    ack_tail_s=0,
    fill_floor_s=0,
    fill_tail_s=0,
    cancel_floor_s=0,
    cancel_tail_s=0,
)


@attrs.frozen(kw_only=True, slots=True)
class FillModel:
    """All market effects of one simulation; see :meth:`ideal`, :meth:`realistic`."""

    name: str = "realistic"
    latency: LatencyConfig = LatencyConfig()
    spread: SpreadConfig = SpreadConfig()
    impact: ImpactConfig = ImpactConfig()
    liquidity: LiquidityConfig = LiquidityConfig()
    queue: QueueConfig = QueueConfig()
    adverse_selection: AdverseSelectionConfig = AdverseSelectionConfig()

    @classmethod
    def ideal(cls) -> FillModel:
        """Return textbook fills: next open, limits on touch, whole, free, instant."""
        return cls(
            name="ideal",
            latency=_NO_LATENCY,
            spread=SpreadConfig(floor_bps=0, range_fraction=0),
            impact=ImpactConfig(k=0),
            liquidity=LiquidityConfig(max_participation=None),
            queue=QueueConfig(enabled=False),
            adverse_selection=AdverseSelectionConfig(coefficient=0),
        )

    @classmethod
    def realistic(cls, **overrides: Any) -> FillModel:
        """Return the default realistic model, with any config replaced by keyword."""
        return cls(name="realistic", **overrides)
