"""Small builders shared by the simulated-venue tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradecore.domain.market.bars import Bar
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.orders.spec import OrderSpec, OrderType, Side, TimeInForce
from tradecore.domain.venue.config import VenueConfig
from tradecore.domain.venue.fill_models import FillModel
from tradecore.domain.venue.simulated import SimVenue

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def venue(model: FillModel | None = None, seed: int = 1, **config: object) -> SimVenue:
    """Return a venue open around the clock unless a session is given."""
    config.setdefault("calendar", MarketCalendar.always_open())
    return SimVenue(
        VenueConfig(
            seed=seed,
            fill_model=model or FillModel.ideal(),
            **config,  # type: ignore[arg-type]
        )
    )


def bar(
    t: datetime,
    o: float = 100.0,
    h: float = 101.0,
    low: float = 99.0,
    c: float = 100.5,
    volume: float = 1_000_000.0,
    symbol: str = "AAPL",
) -> Bar:
    """Return a bar; the defaults are a quiet up bar around 100."""
    return Bar(
        symbol=symbol, timestamp=t, open=o, high=h, low=low, close=c, volume=volume
    )


def mkt(side: Side, qty: int | str, tif: TimeInForce = TimeInForce.DAY) -> OrderSpec:
    """Return a market order for AAPL."""
    return OrderSpec(symbol="AAPL", side=side, qty=Decimal(qty), time_in_force=tif)


def lmt(
    side: Side, qty: int | str, price: str, tif: TimeInForce = TimeInForce.DAY
) -> OrderSpec:
    """Return a limit order for AAPL."""
    return OrderSpec(
        symbol="AAPL",
        side=side,
        qty=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(price),
        time_in_force=tif,
    )


def run_bars(v: SimVenue, start: datetime, bars: list[Bar]) -> datetime:
    """Feed ``bars`` one interval apart from ``start``; return the time after them."""
    t = start
    for b in bars:
        v.on_bar(t, b)
        t += MINUTE
        v.advance_to(t)
    return t
