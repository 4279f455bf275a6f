"""Configuration of one simulated venue: models, calendar, account, randomness."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.errors import InvalidInput
from tradecore.domain.execution.fees import FeeModel
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.venue.fill_models import FillModel


class OutsideHours(enum.StrEnum):
    """What happens to a regular-hours order submitted while the market is closed."""

    #: Rejected (asynchronously, like any venue reject).
    REJECT = "reject"
    #: Accepted (status ``accepted``) and worked from the next open, as Alpaca queues
    #: a day order placed outside the session: the default.
    QUEUE = "queue"


@attrs.frozen(kw_only=True, slots=True)
class VenueConfig:
    """Everything that decides a simulation's outcome besides the inputs and the seed.

    ``bar_interval`` is how long each bar lasts: a bar is the market from its timestamp
    for that long (clipped to the calendar's session), and fills inside it are timed
    along its intrabar path. ``calendar`` says when the market is open: regular-hours
    orders work only in its sessions and day orders expire at a session close (XNYS
    for US equities; :meth:`MarketCalendar.always_open` only when chosen explicitly).
    ``extended_calendar`` bounds extended-hours orders (``None``: any bar).
    """

    seed: int = attrs.field(validator=v.instance_of(int))
    fill_model: FillModel = attrs.field(factory=FillModel.realistic)
    fee_model: FeeModel = attrs.field(factory=FeeModel)
    calendar: MarketCalendar = attrs.field(validator=v.instance_of(MarketCalendar))
    extended_calendar: MarketCalendar | None = None
    outside_hours: OutsideHours = OutsideHours.QUEUE
    starting_cash: Decimal = attrs.field(
        default=Decimal(100_000), validator=v.non_negative_decimal
    )
    #: Symbols that may be traded; ``None`` allows any valid symbol.
    tradable: frozenset[str] | None = None
    bar_interval: timedelta = timedelta(minutes=1)
    #: Probability that the venue rejects an otherwise valid order (seeded).
    random_reject_rate: float = 0.0
    #: Asset flags per symbol (``GET /v2/assets``); a symbol not listed has every
    #: flag on (tradable, shortable, easy to borrow, fractionable, marginable).
    assets: Mapping[str, AssetFlags] = attrs.field(factory=dict)
    #: The account's flags: margin multiplier, shorting, day-trade state.
    account: AccountFlags = attrs.field(factory=AccountFlags)

    def __attrs_post_init__(self) -> None:
        if self.bar_interval <= timedelta(0):
            raise InvalidInput("bar_interval", self.bar_interval, "must be > 0")
        if not 0.0 <= self.random_reject_rate <= 1.0:
            raise InvalidInput(
                "random_reject_rate", self.random_reject_rate, "must be in [0, 1]"
            )
