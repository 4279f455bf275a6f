"""How one emulator instance behaves: account, market, credentials, rate limit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.venue.config import OutsideHours, VenueConfig
from tradecore.domain.venue.fill_models import FillModel

#: Monday 2026-01-05 14:30 UTC: 09:30 New York (EST), that session's open.
DEFAULT_START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
#: The sessions the default calendar knows (fixed, never relative to today).
CALENDAR_RANGE = (date(2015, 1, 1), date(2035, 12, 31))
DEFAULT_KEY_ID = "EMULATORKEY"
DEFAULT_SECRET_KEY = "emulator-secret"  # noqa: S105 - a public loopback test key  # nosec B105


def _fill_model(name: str) -> FillModel:
    if name == "ideal":
        return FillModel.ideal()
    if name == "realistic":
        return FillModel.realistic()
    raise InvalidInput("fill_model", name, "expected 'ideal' or 'realistic'")


@attrs.frozen(kw_only=True)
class EmulatorConfig:
    """Everything that decides what the emulator answers, besides the requests.

    The market is a :class:`~tradecore.domain.venue.simulated.SimVenue`; ``seed`` makes every
    order id, execution id and fill reproducible. Time is virtual: it starts at
    ``start`` and moves only through the control API (or with ``realtime``).
    """

    seed: int = attrs.field(default=7, validator=v.instance_of(int))
    start: datetime = attrs.field(default=DEFAULT_START, validator=v.utc_datetime)
    fill_model: str = attrs.field(default="realistic")
    starting_cash: Decimal = attrs.field(
        default=Decimal(100_000), validator=v.non_negative_decimal
    )
    #: Symbols the account may trade; ``None`` allows any valid ticker.
    tradable: frozenset[str] | None = None
    #: Alpaca's market: XNYS sessions (DST, holidays, early closes) by default.
    calendar: MarketCalendar = attrs.field(
        factory=lambda: xnys_calendar(), validator=v.instance_of(MarketCalendar)
    )
    bar_interval: timedelta = timedelta(minutes=1)
    key_id: str = attrs.field(default=DEFAULT_KEY_ID, validator=v.non_empty_str)
    secret_key: str = attrs.field(
        default=DEFAULT_SECRET_KEY, validator=v.non_empty_str, repr=False
    )
    #: Trading requests allowed per ``rate_window_s``; ``None`` disables the limit.
    rate_limit: int | None = 200
    rate_window_s: float = 60.0
    #: Send ``Retry-After`` on 429s (Alpaca does not; the header helps tests).
    send_retry_after: bool = False
    #: Serve ``GET /v2/account/activities/FILL`` (off: clients must infer fills).
    activities: bool = True
    #: Give each FILL activity an id whose uuid is *not* the stream's execution id
    #: (Alpaca does not document that they match: :func:`.wire.fill_activity`).
    unrelated_activity_ids: bool = False
    #: Keep every response body and stream frame (for wire-format tests).
    record_wire: bool = False
    #: Most data points per market-data page (Alpaca: 10,000); small in tests to
    #: exercise ``next_page_token``.
    data_page_size: int = attrs.field(default=10_000, validator=v.instance_of(int))
    #: Asset flags per symbol, served by ``GET /v2/assets`` and applied to orders
    #: (a symbol not listed has every flag on).
    assets: Mapping[str, AssetFlags] = attrs.field(factory=dict)
    #: The account type and flags: ``multiplier`` 1 is a cash account (buying power
    #: is cash, no shorts), ``shorting_enabled``, the day-trade count it starts with.
    account: AccountFlags = attrs.field(factory=AccountFlags)
    #: The account's data plan includes real-time SIP (Algo Trader Plus). Without
    #: it, recent ``feed=sip`` bars are refused (403) and the ``sip`` stream
    #: answers 409 "insufficient subscription" (:mod:`.data_routes`,
    #: :mod:`.data_stream`).
    sip_subscription: bool = True
    #: Market-data stream connections allowed per key (Alpaca's free plan: 1; a
    #: second gets 406 "connection limit exceeded"); ``None``: no limit.
    data_connection_limit: int | None = None
    #: Splits, cash dividends and renames: the bars endpoints adjust for the splits
    #: and dividends (``adjustment``); ``GET /v1/corporate-actions`` serves them all.
    corporate_actions: tuple[CorporateAction, ...] = ()

    def __attrs_post_init__(self) -> None:
        _fill_model(self.fill_model)
        if self.rate_limit is not None and self.rate_limit < 1:
            raise InvalidInput("rate_limit", self.rate_limit, "must be >= 1 or None")
        if self.rate_window_s <= 0:
            raise InvalidInput("rate_window_s", self.rate_window_s, "must be > 0")
        if self.data_page_size < 1:
            raise InvalidInput("data_page_size", self.data_page_size, "must be >= 1")

    def venue_config(self) -> VenueConfig:
        """Return the simulated venue's config (orders outside hours queue, as Alpaca)."""
        return VenueConfig(
            seed=self.seed,
            fill_model=_fill_model(self.fill_model),
            starting_cash=self.starting_cash,
            tradable=self.tradable,
            calendar=self.calendar,
            bar_interval=self.bar_interval,
            outside_hours=OutsideHours.QUEUE,
            assets=self.assets,
            account=self.account,
        )


def xnys_calendar() -> MarketCalendar:
    """XNYS over :data:`CALENDAR_RANGE`: the market Alpaca trades US equities on.

    The emulator stands in for Alpaca, whose clock and calendar are the exchange's, so
    it is the one adapter that uses the calendar adapter directly (an exception the
    import-linter independence contract names).
    """
    from tradecore.adapters.calendar import ExchangeCalendar

    return ExchangeCalendar("XNYS").schedule(*CALENDAR_RANGE)
