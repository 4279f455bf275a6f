"""The strategy interface: bars in, target positions out.

A strategy sees one bar at a time, in time order, and keeps its own point-in-time
state (incremental indicators). It never sees an order, a broker or a clock: it says
what position it wants, and the engine decides whether and how to trade toward it.
That is what lets the same strategy object run in replay and live.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from tradecore.domain import validation as v
from tradecore.domain.float_checks import finite, unit_interval


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
    expected_edge_bps: float | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(finite)
    )
    probability: float | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(unit_interval)
    )
    strength: float | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(unit_interval)
    )


class PortfolioView(Protocol):
    """What a strategy may know about its own book."""

    def position(self, symbol: str) -> Decimal:
        """Signed shares held, counting working orders at their target."""
        ...

    def equity(self) -> float:
        """Marked equity now (float: for sizing arithmetic, not accounting)."""
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
    ) -> Sequence[Target]:
        """Return new targets after this bar closed (usually none)."""
        ...


NO_TARGETS: tuple[Target, ...] = ()
