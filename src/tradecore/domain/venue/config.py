"""Configuration of one simulated venue: models, session, account, randomness."""

from __future__ import annotations

import enum
from datetime import timedelta
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.market.sessions import TradingSession
from tradecore.domain.venue.fill_models import FillModel


class OutsideHours(enum.StrEnum):
    """What happens to a regular-hours order submitted while the market is closed."""

    #: Rejected (asynchronously, like any venue reject): the simple default.
    REJECT = "reject"
    #: Accepted and worked from the next open, as Alpaca does.
    QUEUE = "queue"


@attrs.frozen(kw_only=True, slots=True)
class VenueConfig:
    """Everything that decides a simulation's outcome besides the inputs and the seed.

    ``bar_interval`` is how long each bar lasts: a bar is the market from its timestamp
    for that long, and fills inside it are timed along its intrabar path.
    """

    seed: int = attrs.field(validator=v.instance_of(int))
    fill_model: FillModel = attrs.field(factory=FillModel.realistic)
    fee_model: FeeModel = attrs.field(factory=FeeModel)
    session: TradingSession = attrs.field(factory=TradingSession.us_regular)
    outside_hours: OutsideHours = OutsideHours.REJECT
    starting_cash: Decimal = attrs.field(
        default=Decimal(100_000), validator=v.non_negative_decimal
    )
    #: Symbols that may be traded; ``None`` allows any valid symbol.
    tradable: frozenset[str] | None = None
    bar_interval: timedelta = timedelta(minutes=1)
    #: Probability that the venue rejects an otherwise valid order (seeded).
    random_reject_rate: float = 0.0

    def __attrs_post_init__(self) -> None:
        if self.bar_interval <= timedelta(0):
            raise InvalidInput("bar_interval", self.bar_interval, "must be > 0")
        if not 0.0 <= self.random_reject_rate <= 1.0:
            raise InvalidInput(
                "random_reject_rate", self.random_reject_rate, "must be in [0, 1]"
            )
